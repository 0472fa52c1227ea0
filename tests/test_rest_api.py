"""The JSON API at /api/v1/ on the running server: the same answers as the CLI, validated input, clear errors."""

from __future__ import annotations

import httpx
import pytest

from ui.limits import RateLimiter


@pytest.fixture(scope="module")
def api(web):
    with httpx.Client(base_url=web[1], timeout=60) as client:
        yield client


def test_ask_gives_the_cited_figure_as_the_cli_does(api, web):
    response = api.post("/api/v1/ask", json={"question": "到2025年常住人口城镇化率目标是多少"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "indicator" and not body["abstained"] and "78%" in body["citations"][0]["quote"]
    expected = web[0].planqa_context.service.ask("到2025年常住人口城镇化率目标是多少").to_dict()
    assert body == expected  # the same record as `qa ask --json` prints


def test_ask_reads_a_follow_up_against_its_history(api):
    body = api.post("/api/v1/ask", json={"question": "那2035年呢", "history": ["到2025年城镇化率目标是多少"]}).json()
    assert body["understood_as"] == "到2035年，常住人口城镇化率目标是多少？" and body["abstained"]


def test_ask_within_a_chapter_and_a_refusal_with_related_clauses(api):
    body = api.post("/api/v1/ask", json={"question": "明天青岛天气怎么样"}).json()
    assert body["abstained"] and body["kind"] == "refusal" and len(body["related"]) == 3
    scoped = api.post("/api/v1/ask", json={"question": "海绵城市建设目标", "chapter": 6}).json()
    assert scoped["citations"] and all(c["clause_id"].startswith("qingdao-2021/6.") for c in scoped["citations"])


@pytest.mark.parametrize("payload", [
    {}, {"question": ""}, {"question": "城" * 501}, {"question": None}, {"question": ["a"]}, {"question": 5},
    {"question": "a", "history": "x"}, {"question": "a", "history": ["q"] * 11}, {"question": "a", "chapter": 0},
    {"question": "a", "chapter": "six"}, {"question": "a", "doc": "x" * 65},
])
def test_bad_ask_bodies_get_422(api, payload):
    response = api.post("/api/v1/ask", json=payload)
    assert response.status_code == 422 and "detail" in response.json()


@pytest.mark.parametrize(("payload", "message"), [
    ({"question": "城镇化率", "chapter": 99}, "no chapter 99"),
    ({"question": "城镇化率", "doc": "no-such-doc"}, "unknown document"),
    ({"question": "？？？"}, None),
])
def test_questions_the_service_refuses_get_400_or_a_refusal(api, payload, message):
    response = api.post("/api/v1/ask", json=payload)
    if message is None:
        assert response.status_code == 200 and response.json()["abstained"]
    else:
        assert response.status_code == 400 and message in response.json()["error"]


def test_search_get_and_post_agree(api):
    posted = api.post("/api/v1/search", json={"query": "海绵城市", "k": 3}).json()["hits"]
    got = api.get("/api/v1/search", params={"query": "海绵城市", "k": 3}).json()["hits"]
    assert posted == got and len(got) == 3 and got[0]["clause_id"] == "qingdao-2021/6.1.3.p1"
    assert api.get("/api/v1/search", params={"query": "海绵城市", "k": 0}).status_code == 422
    assert api.get("/api/v1/search").status_code == 400
    topic = api.get("/api/v1/search", params={"topic": "住房", "k": 50}).json()["hits"]
    assert topic and all("住房" in h["topics"] for h in topic)


def test_indicators_documents_clauses_and_health(api):
    targets = api.get("/api/v1/indicators", params={"year": 2025, "kind": "target"}).json()
    assert targets and all(i["year"] == 2025 and i["kind"] == "target" for i in targets)
    assert any(i["name"] == "常住人口城镇化率" and i["value"] == "78" for i in targets)
    documents = api.get("/api/v1/documents").json()
    assert documents[0] == {"doc_id": "qingdao-2021", "title": "青岛市新型城镇化规划（2021-2035年）", "clauses": 371,
                            "sentences": 733, "place": "青岛市", "period": [2021, 2035]}
    clause = api.get("/api/v1/clauses/qingdao-2021/3.2.1.p1").json()
    assert clause["level"] == "paragraph" and clause["citation"].startswith("第三章 第二节")
    assert api.get("/api/v1/clauses/qingdao-2021/99.9").status_code == 404
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["index"]["vector_store"] == "faiss"
    spec = api.get("/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/search", "/api/v1/indicators", "/api/v1/documents", "/healthz"} <= set(spec["paths"])
    assert "content-security-policy" in api.get("/healthz").headers
    docs = api.get("/docs")  # Swagger UI with its own assets, no CDN
    assert docs.status_code == 200 and "/api/v1/docs-assets/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert api.get("/api/v1/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_ask_shares_the_chat_rate_limit(api, web):
    ctx = web[0].planqa_context
    lifted = ctx.limiter
    ctx.limiter = RateLimiter(per_minute=6, burst=2)
    try:
        codes = [api.post("/api/v1/ask", json={"question": "老旧小区会怎么改造"}).status_code for _ in range(3)]
        limited = api.post("/api/v1/ask", json={"question": "老旧小区会怎么改造"})
    finally:
        ctx.limiter = lifted
    assert codes == [200, 200, 429] and limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
