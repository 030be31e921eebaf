"""Following a site's links as a signed-in user: the page crawls of the security-header
and translation tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

# Not pages: signing out would end the crawl's session; files and the JSON API.
SKIPPED = ("/auth/logout", "/static/", "/bootstrap/", "/api/")


def crawl(client, starts: Iterable[str], read: Callable, max_pages: int) -> dict[str, object]:
    """{url: what `read` found} for every page reachable by links from `starts` (GET).

    `read(response)` returns `(found, links)`, or None for a response that is not a page
    to read (its links are not followed). Links to the same page in the other language
    (`?lang=`) are not followed: each crawl reads one language.
    """
    queue = deque(dict.fromkeys(starts))
    seen, found = set(queue), {}
    while queue and len(found) < max_pages:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code < 500, url
        result = read(response)
        if result is None:
            continue
        found[url], links = result
        for target in _internal(url, links):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return found


def _internal(url: str, links: Iterable[str]):
    for href in links:
        parts = urlsplit(urljoin(url, href))
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIPPED):
            continue
        if "lang=" in parts.query:
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")
