"""Pagination: from one page's request and response, the request of the next page.

Types (config `load.pagination.type`):
  none        one request
  offset      start/count parameters; stop at the total (body path, Content-Range
              or X-Total-Count) or on an empty page
  page        page number (+ page size) parameters; stop at the total or an empty page
  range       HTTP `Range: items=START-END` (PostgREST); total from Content-Range; 416 ends
  next_token  a token from the body sent back as a parameter; stop when absent
  next_url    a URL from a body path, a response header or the RFC 8288 Link header;
              `add_missing_params` adds our query parameters the server's URL lacks
"""

from __future__ import annotations

import re

import httpx
from msgspec import Struct, field
from msgspec.structs import replace

from tui.config.model import Pagination
from tui.rest.decode import Decoded
from tui.rest.errors import PaginationError
from tui.rest.wire import count_of
from tui.secrets import without_userinfo

# Link and Content-Range headers only: compiled on first use (re caches them).
_LINK = r"<([^>]*)>\s*((?:;\s*[^;,]+)*)"
_REL = r'(?i);\s*rel\s*=\s*"?([^";]+)"?'
_CONTENT_RANGE = r"(?:\w+\s+)?(?:\d+-\d+|\*)/(\d+)"


class PageRequest(Struct, frozen=True):
    """What to send for one page; `headers` are extra request headers."""

    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    number: int = 1  # 1-based count of pages requested
    state: int = 0  # the offset, page number or range start this request asked for


def next_link(link_header: str, rel: str = "next") -> str | None:
    """The target of `rel` in an RFC 8288 Link header value."""
    for match in re.finditer(_LINK, link_header or ""):
        for found in re.finditer(_REL, match.group(2)):
            if rel in found.group(1).lower().split():
                return match.group(1).strip()
    return None


def header_total(headers: httpx.Headers) -> int | None:
    """The record count from Content-Range (`0-99/3000`) or X-Total-Count."""
    match = re.search(_CONTENT_RANGE, headers.get("content-range", ""))
    raw = match.group(1) if match else headers.get("x-total-count", "").strip()
    return count_of(raw)


class Paginator:
    """The pagination of one load; `first` once, then `next` after every page."""

    def __init__(self, spec: Pagination, params: dict[str, str]) -> None:
        self.spec = spec
        self.params = params  # every query parameter we add ourselves, for add_missing_params
        self._seen: set[str] = set()
        self.total: int | None = None
        self._foreseen: tuple[list[PageRequest], tuple[int, int | None]] = ([], (0, None))

    def first(self, url: httpx.URL) -> PageRequest:
        p = self.spec
        if p.type == "offset":
            return PageRequest(
                url.copy_merge_params({p.start_param: p.start, p.count_param: p.count}),
                state=p.start,
            )
        if p.type == "page":
            return PageRequest(self._page_url(url, p.first_page), state=p.first_page)
        if p.type == "range":
            return PageRequest(url, self._range(p.start), state=p.start)
        return PageRequest(url)

    def next(
        self, current: PageRequest, page: Decoded, response: httpx.Response
    ) -> PageRequest | None:
        """The next page's request, or None when this was the last page."""
        count = len(page.records)
        kind = self.spec.type
        if kind == "none" or count == 0:
            return None  # an empty page ends every kind of pagination
        if kind == "next_url":
            return self._next_url(current, page, response)
        if kind == "next_token":
            return self._next_token(current, page)
        return self._counted_next(current, count)

    def ahead(self, current: PageRequest, step: int, pages: int) -> list[PageRequest]:
        """The requests of up to `pages` pages after `current`, foreseen where the total is
        known and every page brings `step` rows; [] where the next page cannot be foreseen."""
        if self.total is None or step <= 0 or self.spec.type not in ("offset", "page", "range"):
            return []
        # the pages foreseen last time, less the one that has now come, if it came as foreseen
        last, self._foreseen = self._foreseen, ([], (step, self.total))
        kept = last[0][1:] if last[1] == (step, self.total) and last[0][:1] == [current] else []
        foreseen = kept[:pages]
        request = foreseen[-1] if foreseen else current
        while len(foreseen) < pages:
            following = self._counted_next(request, step)
            if following is None or following.number > self.spec.max_pages:
                break
            foreseen.append(following)
            request = following
        self._foreseen = (foreseen, (step, self.total))
        return foreseen

    def _counted_next(self, current: PageRequest, count: int) -> PageRequest | None:
        if self.spec.type == "offset":
            return self._next_offset(current, count)
        if self.spec.type == "page":
            return self._next_page(current, count)
        return self._next_range(current, count)

    # -- counted pagination ---------------------------------------------------------

    def note_total(self, page: Decoded, response: httpx.Response) -> None:
        """Read the announced record count, before the page is handed on."""
        if self.spec.total_path:
            value = page.lookup(self.spec.total_path)
            try:
                self.total = int(value) if value is not None else self.total
            except (TypeError, ValueError, OverflowError):
                raise PaginationError(
                    f"total_path {self.spec.total_path!r} holds {value!r}, not a number"
                ) from None
        else:
            self.total = header_total(response.headers) or self.total

    def _next_offset(self, current: PageRequest, count: int) -> PageRequest | None:
        # Step by the rows received: a server that caps the page size skips nothing.
        start = current.state + count
        if self.total is not None and start >= self.total:
            return None
        url = current.url.copy_set_param(self.spec.start_param, str(start))
        return replace(current, url=url, number=current.number + 1, state=start)

    def _next_page(self, current: PageRequest, count: int) -> PageRequest | None:
        number = current.state + 1
        done = (number - self.spec.first_page) * self.spec.size
        if self.total is not None and done >= self.total:
            return None
        if self.spec.size_param and count < self.spec.size and self.total is None:
            return None  # a short page under an explicit size is the last one
        return replace(
            current,
            url=self._page_url(current.url, number),
            number=current.number + 1,
            state=number,
        )

    def _next_range(self, current: PageRequest, count: int) -> PageRequest | None:
        start = current.state + count
        if self.total is not None and start >= self.total:
            return None
        return replace(current, headers=self._range(start), number=current.number + 1, state=start)

    def _page_url(self, url: httpx.URL, number: int) -> httpx.URL:
        params = {self.spec.page_param: str(number)}
        if self.spec.size_param:
            params[self.spec.size_param] = str(self.spec.size)
        return url.copy_merge_params(params)

    def _range(self, start: int) -> dict[str, str]:
        return {"Range-Unit": "items", "Range": f"{start}-{start + self.spec.count - 1}"}

    # -- server-driven pagination -----------------------------------------------------

    def _next_token(self, current: PageRequest, page: Decoded) -> PageRequest | None:
        token = page.lookup(self.spec.token_path or "")
        if token in (None, ""):
            return None
        token = str(token)
        if not token.isprintable():  # control characters, lone surrogates
            raise PaginationError(f"the next token {token!r} cannot go into a URL")
        self._guard(f"token:{token}", "the same next token")
        url = current.url.copy_set_param(self.spec.token_param or "", token)
        return replace(current, url=url, number=current.number + 1)

    def _next_url(
        self, current: PageRequest, page: Decoded, response: httpx.Response
    ) -> PageRequest | None:
        raw = self._find_next_url(page, response)
        if not raw:
            return None
        try:
            url = current.url.join(raw)
        except httpx.InvalidURL as exc:
            shown = without_userinfo(raw)
            raise PaginationError(f"the next page URL {shown!r} is not a URL ({exc})") from None
        if self.spec.add_missing_params:
            missing = {k: v for k, v in self.params.items() if k not in url.params}
            url = url.copy_merge_params(missing) if missing else url
        self._guard(f"url:{url}", "a next URL it had already sent")
        return PageRequest(url, current.headers, current.number + 1)

    def _find_next_url(self, page: Decoded, response: httpx.Response) -> str | None:
        p = self.spec
        if p.next_url_path:
            value = page.lookup(p.next_url_path)
            if isinstance(value, str) and value.strip():
                return value.strip()
        if p.next_url_header:
            header: str = response.headers.get(p.next_url_header, "").strip()
            if header:
                return header
        if p.link_header:
            return next_link(response.headers.get("link", ""))
        return None

    def _guard(self, key: str, what: str) -> None:
        if key in self._seen:
            raise PaginationError(f"the server returned {what}; stopping to avoid a loop")
        self._seen.add(key)
