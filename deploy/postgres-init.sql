-- One database and one login per service: a service cannot read another's data.
CREATE ROLE membership LOGIN PASSWORD 'change-me';
CREATE DATABASE membership OWNER membership;
