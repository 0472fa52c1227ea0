"""Native thread pools of a process that answers questions: one BLAS / OpenMP thread beside the query encoder."""

from __future__ import annotations

from threadpoolctl import threadpool_limits

# NumPy's OpenBLAS and faiss's OpenMP pools keep their threads spinning after a call; on two cores they then fight
# the ONNX query encoder's own two threads. Measured on the shipped plan (dev questions, warm): query encoding p50
# 16.6 -> 8.9 ms and search p50 28.8 -> 14.8 ms with these pools at one thread; a question's matrix products are
# too small to gain from a second one.
QUERY_PROCESS_THREADS = 1


def limit_native_threads() -> None:
    """Hold the BLAS and OpenMP pools loaded so far to QUERY_PROCESS_THREADS threads for the rest of the process."""
    threadpool_limits(QUERY_PROCESS_THREADS)
