"""The Milvus backend: clause rows with BM25 sparse vectors and sentence rows with dense vectors, synced incrementally.

Both collections use doc_id as the partition key, so a one-document query touches that document's rows, and filter
on scalar fields only (doc_id ==, chapter ==, topics as "|a|b|" with like): array and JSON filters were ~2 s per
query in Milvus Lite, scalar ones tens of milliseconds. BM25 weights are computed client-side (LexicalIndex), so a
Milvus search ranks exactly like the embedded one; Lite's own analyzers reject Chinese and keep per-segment
statistics.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.backends import MilvusSettings

MAX_LIMIT = 16_384  # Milvus's largest search/query limit
BATCH = 2_000
ID_LENGTH = 512
TEXT_LENGTH = 1_024


class MilvusProblem(Exception):
    """Milvus cannot be reached or refused an operation; the message names the URI."""


@dataclass(frozen=True)
class ClauseRow:
    """One clause row: BM25 weights and the scalar fields filters use."""

    id: str
    doc_id: str
    chapter: int
    topics: str
    sparse: dict[int, float]

    def fingerprint(self) -> str:
        """Hash of everything stored for the row: a changed row is upserted, an unchanged one left alone."""
        weights = json.dumps(sorted((k, round(v, 6)) for k, v in self.sparse.items()))
        return _hash(self.doc_id, str(self.chapter), self.topics, weights)


@dataclass(frozen=True)
class SentenceRow:
    """One sentence row: its dense vector (the text's hash stands for the vector) and its clause's fields."""

    id: str
    clause_id: str
    doc_id: str
    chapter: int
    topics: str
    text_key: str  # model key + the embedded text: same key, same vector
    vector: np.ndarray

    def fingerprint(self) -> str:
        """Hash of what is stored (the vector through the text it embeds)."""
        return _hash(self.clause_id, self.doc_id, str(self.chapter), self.topics, self.text_key)


@dataclass
class SyncReport:
    """What a sync wrote."""

    upserted_clauses: int
    upserted_sentences: int
    deleted_clauses: int
    deleted_sentences: int


def topics_field(topics: Iterable[str]) -> str:
    """Topics as one delimited VARCHAR ("|交通|住房|"), filterable with like."""
    return "|" + "|".join(topics) + "|"


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def quoted(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


class MilvusBackend:
    """A connection to the two PlanQA collections in one Milvus (Lite file or server)."""

    def __init__(self, settings: MilvusSettings, timeout: float = 30.0) -> None:
        """Connect (a Lite file's folder is created); raise MilvusProblem naming the URI when that fails."""
        from pymilvus import MilvusClient

        # pymilvus logs connection failures itself before raising; the raised message is what we report.
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        self.settings = settings
        self.timeout = timeout
        if settings.is_lite:
            Path(settings.uri).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(uri=settings.uri, timeout=timeout)
        except Exception as exc:  # pymilvus raises several unrelated types for one cause: unreachable
            raise MilvusProblem(f"cannot reach Milvus at {settings.uri}: {_reason(exc)}") from None

    def close(self) -> None:
        """Close the connection."""
        try:
            self.client.close()
        except Exception:  # closing a dead connection is not worth reporting
            pass

    # -- schema ---------------------------------------------------------------------------------------

    def ensure_collections(self, dimensions: int) -> None:
        """Create the collections when missing; recreate the sentence collection when its vector size differs."""
        from pymilvus import DataType, MilvusClient

        with self._errors("create the collections"):
            if self.client.has_collection(self.settings.sentences):
                fields = self.client.describe_collection(self.settings.sentences).get("fields", [])
                dims = [f.get("params", {}).get("dim") for f in fields if f.get("name") == "vector"]
                if dims and int(dims[0]) != dimensions:
                    self.client.drop_collection(self.settings.sentences)
            for name, dense in ((self.settings.clauses, False), (self.settings.sentences, True)):
                if self.client.has_collection(name):
                    self.client.load_collection(name)
                    continue
                schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
                schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_LENGTH)
                schema.add_field("doc_id", DataType.VARCHAR, max_length=ID_LENGTH, is_partition_key=True)
                schema.add_field("chapter", DataType.INT64)
                schema.add_field("topics", DataType.VARCHAR, max_length=TEXT_LENGTH)
                schema.add_field("row_hash", DataType.VARCHAR, max_length=64)
                index = self.client.prepare_index_params()
                if dense:
                    schema.add_field("clause_id", DataType.VARCHAR, max_length=ID_LENGTH)
                    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimensions)
                    # FLAT: exact, so both backends agree; a server deployment may choose HNSW here.
                    index.add_index("vector", index_type="FLAT", metric_type="IP")
                else:
                    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
                    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
                self.client.create_collection(name, schema=schema, index_params=index, num_partitions=64)

    # -- writing --------------------------------------------------------------------------------------

    def sync(self, clauses: list[ClauseRow], sentences: list[SentenceRow]) -> SyncReport:
        """Make the collections hold exactly these rows: upsert new and changed rows, delete the rest."""
        up_c, del_c = self._sync(self.settings.clauses, clauses, lambda r: {
            "id": r.id, "doc_id": r.doc_id, "chapter": r.chapter, "topics": r.topics, "row_hash": r.fingerprint(),
            "sparse": r.sparse or {0: 0.0},
        })
        up_s, del_s = self._sync(self.settings.sentences, sentences, lambda r: {
            "id": r.id, "clause_id": r.clause_id, "doc_id": r.doc_id, "chapter": r.chapter, "topics": r.topics,
            "row_hash": r.fingerprint(), "vector": np.asarray(r.vector, dtype=np.float32).tolist(),
        })
        return SyncReport(up_c, up_s, del_c, del_s)

    def _sync(self, collection: str, rows: list, to_entity) -> tuple[int, int]:
        stored = self.row_hashes(collection)
        wanted = {r.id for r in rows}
        changed = [r for r in rows if stored.get(r.id) != r.fingerprint()]
        stale = [i for i in stored if i not in wanted]
        with self._errors(f"write to {collection}"):
            stale_docs = {i.split("/", 1)[0] for i in stale} - {r.doc_id for r in rows}
            if stale_docs:  # a removed document goes in one delete by filter
                self.client.delete(collection, filter=f"doc_id in {json.dumps(sorted(stale_docs), ensure_ascii=False)}")
            rest = [i for i in stale if i.split("/", 1)[0] not in stale_docs]
            for start in range(0, len(rest), BATCH):
                self.client.delete(collection, ids=rest[start:start + BATCH])
            for start in range(0, len(changed), BATCH):
                self.client.upsert(collection, [to_entity(r) for r in changed[start:start + BATCH]])
            self.client.flush(collection)
        return len(changed), len(stale)

    def row_hashes(self, collection: str) -> dict[str, str]:
        """Every stored row's id and fingerprint."""
        found: dict[str, str] = {}
        with self._errors(f"read {collection}"):
            for batch in self._iterate(collection, ["id", "row_hash"]):
                found.update((row["id"], row["row_hash"]) for row in batch)
        return found

    def _iterate(self, collection: str, fields: list[str]) -> Iterator[list[dict]]:
        iterator = self.client.query_iterator(collection, batch_size=BATCH, filter='id != ""', output_fields=fields)
        try:
            while batch := iterator.next():
                yield batch
        finally:
            iterator.close()

    # -- reading --------------------------------------------------------------------------------------

    def count(self, collection: str) -> int:
        """Rows in a collection."""
        with self._errors(f"count {collection}"):
            rows = self.client.query(collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def sparse_top(self, weights: dict[int, float], k: int, expression: str) -> list[tuple[str, float]]:
        """The k best clauses by BM25 (sparse inner product) as (clause id, score); zero scores are dropped."""
        if not weights:
            return []
        with self._errors("search clauses"):
            result = self.client.search(self.settings.clauses, [weights], anns_field="sparse", filter=expression,
                                        limit=min(k, MAX_LIMIT), search_params={"metric_type": "IP"})
        return [(hit["id"], float(hit["distance"])) for hit in result[0] if hit["distance"] > 0]

    def dense_top(self, vector: np.ndarray, k: int, expression: str) -> list[tuple[str, float]]:
        """The k best clauses by their best sentence's inner product, as (clause id, score)."""
        with self._errors("search sentences"):
            result = self.client.search(
                self.settings.sentences, [np.asarray(vector, dtype=np.float32).tolist()], anns_field="vector",
                filter=expression, limit=min(k, MAX_LIMIT), group_by_field="clause_id", output_fields=["clause_id"],
                search_params={"metric_type": "IP"},
            )
        return [(hit["entity"]["clause_id"], float(hit["distance"])) for hit in result[0]]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored sentence vectors by id."""
        found: dict[str, np.ndarray] = {}
        with self._errors("read sentence vectors"):
            for start in range(0, len(ids), BATCH):
                for row in self.client.get(self.settings.sentences, ids=ids[start:start + BATCH],
                                           output_fields=["vector"]):
                    found[row["id"]] = np.asarray(row["vector"], dtype=np.float32)
        return found

    def load(self) -> None:
        """Load both collections for searching (a no-op when they are loaded)."""
        with self._errors("load the collections"):
            for name in (self.settings.clauses, self.settings.sentences):
                self.client.load_collection(name)

    def ping(self) -> bool:
        """True when both collections exist and answer."""
        try:
            return all(self.client.has_collection(c) for c in (self.settings.clauses, self.settings.sentences))
        except Exception:  # any failure means "not reachable" to a health check
            return False

    def _errors(self, action: str):
        return _MilvusErrors(action, self.settings.uri)


class _MilvusErrors:
    """Turns pymilvus failures into MilvusProblem with the action and the URI."""

    def __init__(self, action: str, uri: str) -> None:
        self.action, self.uri = action, uri

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, traceback) -> bool:
        if exc is None or isinstance(exc, MilvusProblem):
            return False
        from pymilvus import MilvusException

        if isinstance(exc, MilvusException | ConnectionError | TimeoutError | OSError):
            raise MilvusProblem(f"Milvus at {self.uri} could not {self.action}: {_reason(exc)}") from None
        return False


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    return " ".join(str(message).split())[:300]


class MilvusSentenceVectors:
    """The VectorStore of sentence vectors kept in Milvus: searched there, a few rows fetched (and cached) for scoring."""

    name = "milvus"

    def __init__(self, backend: MilvusBackend, ids: list[str], dimensions: int, cache_rows: int = 50_000) -> None:
        """Use the backend's sentence collection, whose rows are these ids."""
        self.backend = backend
        self.ids = ids
        self._dimensions = dimensions
        self._cache: dict[str, np.ndarray] = {}
        self._cache_rows = cache_rows

    @property
    def dimensions(self) -> int:
        """Vector dimensions."""
        return self._dimensions

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Not offered: a server backend never ships every vector to the client; use search()."""
        raise NotImplementedError("the Milvus store searches server-side; use search() or the Milvus rankers")

    def similarity(self, vector: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Inner product with the vectors at these positions (fetched once, then cached)."""
        wanted = [self.ids[int(p)] for p in positions]
        missing = [i for i in wanted if i not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > self._cache_rows:
                self._cache.clear()
            self._cache.update(self.backend.vectors(missing))
        zero = np.zeros(self._dimensions, dtype=np.float32)
        matrix = np.stack([self._cache.get(i, zero) for i in wanted]) if wanted else np.zeros((0, self._dimensions))
        return matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k most similar sentences as (id, score)."""
        with self.backend._errors("search sentences"):
            result = self.backend.client.search(self.backend.settings.sentences, [np.asarray(vector).tolist()],
                                                anns_field="vector", limit=min(k, MAX_LIMIT),
                                                search_params={"metric_type": "IP"})
        return [(hit["id"], float(hit["distance"])) for hit in result[0]]

    def save(self, folder: Path) -> list[str]:
        """Nothing to write locally: the vectors live in Milvus."""
        return []
