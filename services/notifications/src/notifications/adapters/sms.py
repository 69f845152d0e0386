"""SMS through an HTTP gateway: POST JSON `{to, text, reference}` with the API key in a header.

2xx: delivered. 4xx: the gateway refuses this message (a malformed number, a text too long, a bad
key): retrying the same request cannot help, except 408 and 429 (the gateway asks to come back).
5xx, timeouts and connection errors: retryable. `reference` is the notification id, the same on
every retry, so a gateway that deduplicates drops a repeat. Error texts carry the status code or
the kind of failure, never the number or the gateway's reply (which may quote it).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from notifications.domain.model import Outgoing, SendResult

API_KEY_HEADER = "X-Api-Key"
_RETRYABLE_4XX = (408, 429)


class HttpSmsProvider:
    def __init__(self, url: str, api_key: str | None, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an SMS provider is an http(s):// URL")
        self.url = url
        self.name = (
            f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"  # no query, no credentials
        )
        headers = {API_KEY_HEADER: api_key} if api_key else {}
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False)

    async def send(self, message: Outgoing) -> SendResult:
        body = {
            "to": message.address,
            "text": message.rendered.text,
            "reference": str(message.notification_id),
        }
        try:
            response = await self._client.post(self.url, json=body)
        except httpx.TimeoutException:
            return SendResult(False, provider=self.name, error="SMS gateway timed out")
        except httpx.HTTPError as exc:
            return SendResult(
                False, provider=self.name, error=f"SMS gateway unreachable ({type(exc).__name__})"
            )
        code = response.status_code
        if 200 <= code < 300:
            return SendResult(True, provider=self.name, status_code=code)
        retryable = code >= 500 or code in _RETRYABLE_4XX or code < 400
        return SendResult(
            False,
            provider=self.name,
            status_code=code,
            error=f"SMS gateway answered {code}",
            retryable=retryable,
        )

    async def close(self) -> None:
        await self._client.aclose()
