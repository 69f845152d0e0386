"""Who may call the proposal, competition, honour and survey routes: the access table must give
exactly these roles (written out by hand), so a change to it or a new route is a decision."""

from __future__ import annotations

from campaigns.entrypoints.http import competitions, honours, proposals, surveys
from campaigns.entrypoints.http.access import ACCESS
from fastapi import FastAPI
from unionfed_chassis.access import Permission, route_guards, unguarded_routes
from unionfed_chassis.auth import Role

ADMIN, DISTRICT, BRANCH, OPERATOR = (
    Role.FEDERATION_ADMIN,
    Role.DISTRICT_OFFICER,
    Role.BRANCH_OFFICER,
    Role.OPERATOR,
)
EVERY_ROLE = {ADMIN, DISTRICT, BRANCH, OPERATOR}
ORGANISERS = {ADMIN, DISTRICT}
OFFICERS = {ADMIN, DISTRICT, BRANCH}

EXPECTED: dict[str, set[Role]] = {
    "POST /proposals": OFFICERS,  # a branch passes on its members' proposals
    "POST /proposals/{proposal_id}/review": OFFICERS,  # the handler then requires the organisers' scope
    "POST /proposals/{proposal_id}/award": OFFICERS,
    "GET /proposals": EVERY_ROLE,
    "GET /proposals/{proposal_id}": EVERY_ROLE,
    "PUT /campaigns/{campaign_id}/scores/{member_id}": ORGANISERS,
    "GET /campaigns/{campaign_id}/ranking": EVERY_ROLE,
    "POST /campaigns/{campaign_id}/ranking/publish": ORGANISERS,
    "POST /honours": ORGANISERS,
    "GET /honours": EVERY_ROLE,
    "PUT /campaigns/{campaign_id}/survey": OFFICERS,  # the handler then requires the organisers' scope
    "GET /campaigns/{campaign_id}/survey": EVERY_ROLE,
    "POST /campaigns/{campaign_id}/survey/answers": OFFICERS,
    "GET /campaigns/{campaign_id}/survey/results": EVERY_ROLE,
}


def test_proposal_competition_honour_and_survey_routes_allow_exactly_the_expected_roles() -> None:
    app = FastAPI()
    for module in (proposals, competitions, honours, surveys):
        app.include_router(module.router)
    assert unguarded_routes(app) == []
    guards = {name: g for name, g in route_guards(app).items() if isinstance(g, Permission)}
    assert set(guards) == set(EXPECTED), "add new routes to EXPECTED (and say who may call them)"
    for name, permission in guards.items():
        assert ACCESS.roles_allowed(permission) == EXPECTED[name], name
