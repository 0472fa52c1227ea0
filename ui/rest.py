"""The versioned JSON API beside the web app: /api/v1/ask, /search, /indicators, /documents, /clauses/{id}, and
/healthz. Responses are the service's own records (Answer, Hit, Indicator, Clause: the fields of the CLI's `--json` output);
requests are validated pydantic models.

Public and read-only, like the chat: asking shares the chat's per-address rate limit; nothing here writes files,
runs long jobs or reads feedback. The OpenAPI description is at /api/v1/openapi.json.
"""

from __future__ import annotations

from typing import Literal

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from corpus.records import Clause
from qa.batch import MAX_HISTORY
from qa.records import MAX_QUERY_CHARS, Answer, Hit, Indicator, QueryError
from ui.common import CONCURRENCY, AppContext
from ui.limits import client_address

PREFIX = "/api/v1"


class AskIn(BaseModel):
    """A question, optionally with the conversation's earlier questions (oldest first) and a document or chapter."""

    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY)
    doc: str | None = Field(default=None, max_length=64)
    chapter: int | None = Field(default=None, ge=1, le=99)


class SearchIn(BaseModel):
    """A clause search (as `qa search --json`)."""

    query: str = Field(default="", max_length=MAX_QUERY_CHARS)
    k: int = Field(default=5, ge=1, le=50)
    doc: str | None = Field(default=None, max_length=64)
    chapter: int | None = Field(default=None, ge=1, le=99)
    topic: str | None = Field(default=None, max_length=40)
    mode: Literal["hybrid", "bm25", "dense"] = "hybrid"


class SearchOut(BaseModel):
    """The ranked clauses."""

    hits: list[Hit]


class DocumentOut(BaseModel):
    """A stored document."""

    doc_id: str
    title: str
    clauses: int
    sentences: int
    place: str = ""
    period: list[int] | None = None


class Health(BaseModel):
    """Whether the service can answer: the index is loaded, and what built it."""

    status: Literal["ok", "unavailable"]
    documents: int
    backend: str
    backend_reachable: bool
    index: dict


def router(ctx: AppContext) -> APIRouter:
    """The API routes over the shared app context."""
    api = APIRouter()
    service = ctx.service
    # Answers run in worker threads, at most CONCURRENCY at a time (the chat's limit too): the rest wait their turn
    # instead of thrashing the cores.
    answering = anyio.CapacityLimiter(CONCURRENCY)

    async def answered(work):
        return await anyio.to_thread.run_sync(work, limiter=answering)

    def refuse(exc: QueryError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @api.post(f"{PREFIX}/ask", response_model=Answer, responses={400: {}, 429: {}})
    async def ask(body: AskIn, request: Request):
        """Answer a question from the plan with numbered citations, or refuse and list the nearest clauses."""
        client = client_address(request.client.host if request.client else None, request.headers.get("x-forwarded-for"))
        if not ctx.limiter.allow(client):
            return JSONResponse({"error": "too many questions; try again shortly"}, status_code=429,
                                headers={"Retry-After": str(ctx.limiter.wait_seconds(client))})
        try:
            answer = await answered(lambda: service.ask(body.question, doc=body.doc, chapter=body.chapter,
                                                        history=body.history))
        except QueryError as exc:
            return refuse(exc)
        return answer.to_dict()

    async def search(body: SearchIn):
        if not body.query.strip() and not body.topic:
            return refuse(QueryError("give a query or a topic"))
        try:
            hits = await answered(lambda: service.search(body.query, k=body.k, doc=body.doc, chapter=body.chapter,
                                                         topic=body.topic, mode=body.mode))
        except QueryError as exc:
            return refuse(exc)
        return {"hits": [h.to_dict() for h in hits]}

    @api.post(f"{PREFIX}/search", response_model=SearchOut, responses={400: {}})
    async def search_post(body: SearchIn):
        """Clauses that match a query (or every clause of a topic, in plan order)."""
        return await search(body)

    @api.get(f"{PREFIX}/search", response_model=SearchOut, responses={400: {}})
    async def search_get(query: str = "", k: int = 5, doc: str | None = None, chapter: int | None = None,
                   topic: str | None = None, mode: Literal["hybrid", "bm25", "dense"] = "hybrid"):
        """The same search with query parameters."""
        try:
            body = SearchIn(query=query, k=k, doc=doc, chapter=chapter, topic=topic, mode=mode)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc).splitlines()[0]) from None
        return await search(body)

    @api.get(f"{PREFIX}/indicators", response_model=list[Indicator])
    def indicators(year: int | None = None, kind: Literal["target", "status"] | None = None,
                   topic: str | None = None, doc: str | None = None):
        """The plans' quantitative goals and status figures, filtered."""
        return [i.to_dict() for i in service.indicators(year=year, kind=kind, topic=topic, doc=doc)]

    @api.get(f"{PREFIX}/documents", response_model=list[DocumentOut])
    def documents():
        """The stored documents."""
        return [DocumentOut(doc_id=d.doc_id, title=d.title, clauses=len(d.clauses), sentences=len(d.sentences),
                            place=d.profile.place if d.profile else "",
                            period=list(d.profile.period) if d.profile and d.profile.period else None)
                for d in service.documents()]

    @api.get(PREFIX + "/clauses/{clause_id:path}", response_model=Clause, responses={404: {}})
    def clause(clause_id: str):
        """One clause by its id, e.g. qingdao-2021/3.2.1.p1."""
        found = service.clause(clause_id[:200])
        if found is None:
            return JSONResponse({"error": f"no clause '{clause_id[:200]}'"}, status_code=404)
        return found.to_dict()

    @api.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    def healthz():
        """The index is loaded and its backend answers (503 when a Milvus backend cannot be reached); what built it."""
        retriever = service.retriever
        reachable = retriever.backend_reachable()
        body = {"status": "ok" if reachable else "unavailable", "documents": len(service.documents()),
                "backend": retriever.backend, "backend_reachable": reachable, "index": retriever.index_info()}
        return body if reachable else JSONResponse(body, status_code=503)

    return api
