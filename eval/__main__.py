"""Command line: python -m eval run [--gold FILE] [--retriever R] [--out DIR] | bench [--out DIR] [--no-builds]."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.bank import BankError
from corpus.records import CorpusError
from eval.api import ABLATION, load_gold_for, run_evaluation
from eval.followup import FOLLOWUP_DEV
from eval.gold import GoldError
from eval.report import BENCH_JSON, default_report_dir, markdown_table, render_markdown, save_json, summary_rows
from eval.webload import WebLoadError
from index.store import IndexProblem
from qa.records import QueryError


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m eval", description="PlanQA benchmarks.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="retrieval and answer metrics on a gold set")
    run.add_argument("--gold", type=Path, help="gold JSONL file (default: eval/gold/dev.jsonl)")
    run.add_argument("--retriever", choices=ABLATION,
                     help="one configuration (default: every one, the ablation)")
    run.add_argument("--out", type=Path, help="report folder (default: reports/latest)")
    run.add_argument("--no-answers", action="store_true", help="skip the answer metrics")
    run.add_argument("--followups", type=Path,
                     help="follow-up conversations to score (default with the dev set: eval/gold/followup_dev.jsonl;"
                     " the sealed ones: eval/gold/followup_sealed.jsonl)")
    run.add_argument("--no-followups", action="store_true", help="skip the follow-up conversations and no-harm check")
    bench = sub.add_parser("bench", help="build time, latency, cold start and memory")
    bench.add_argument("--out", type=Path, help="report folder (default: reports/latest)")
    bench.add_argument("--gold", type=Path, help="questions to time (default: eval/gold/dev.jsonl)")
    bench.add_argument("--no-builds", action="store_true", help="skip the (slow) index build timings")
    bench.add_argument("--web", action="store_true",
                       help="also start the web app and time 20 concurrent citizens, quiet and while staff-only"
                       " endpoints are flooded (evaluations, exports, anonymous requests); disk use; SIGTERM drain")
    bench.add_argument("--url", help="with --web: drive this already running app instead (quiet load only)")
    bench.add_argument("--scale", action="store_true",
                       help="instead: the scale benchmark on synthetic corpora of --sizes documents built from the plan's"
                       " real text and vectors, for each of --backends (build, load, memory, search p50/p95, growth curve)")
    bench.add_argument("--sizes", default="1,10,100,1000", help="with --scale: corpus sizes in documents (default 1,10,100,1000)")
    bench.add_argument("--backends", default="faiss,milvus", help="with --scale: backends (default faiss,milvus)")
    bench.add_argument("--milvus-max", type=int, default=100,
                       help="with --scale: largest size run on Milvus Lite (default 100: Lite takes ~10x longer per row)")
    bench.add_argument("--rest", action="store_true",
                       help="instead: JSON API throughput with 20 and 50 concurrent clients, one and two workers,"
                       " beside the chat's Gradio path")
    train = sub.add_parser("train-answerability",
                           help="train the answerability model on the question bank; choose its threshold on dev")
    train.add_argument("--gold", type=Path, help="development set to choose the threshold on (default: dev.jsonl)")
    sub.add_parser("train-reranker", help="train the reranker of the fused top clauses on the development sets")
    sub.add_parser("train-classifier", help="train each document's clause classifier on its residents' questions")
    sub.add_parser("train-sentences", help="train the model choosing answer sentences on the reranker's questions")
    sub.add_parser("train-answer-check", help="train the check of the lead sentence against the question")
    sub.add_parser("train-judgement", help="train the wording model telling forecasts, comparisons and opinions")
    robust = sub.add_parser("robustness", help="do reworded questions keep their top clause and lead citation?")
    robust.add_argument("--rewordings", type=Path, help="rewordings file (default: eval/gold/rewordings.jsonl)")
    args = parser.parse_args(argv)
    try:
        if args.command == "train-answerability":
            return _train(args)
        if args.command == "train-reranker":
            return _train_reranker()
        if args.command == "train-classifier":
            return _train_classifier()
        if args.command == "train-sentences":
            return _train_sentences()
        if args.command == "train-answer-check":
            return _train_answer_check()
        if args.command == "train-judgement":
            return _train_judgement()
        if args.command == "robustness":
            return _robustness(args)
        return _run(args) if args.command == "run" else _bench(args)
    except (GoldError, QueryError, CorpusError, IndexProblem, WebLoadError, BankError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _progress(label: str, i: int, n: int) -> None:
    if i == n or i % 25 == 0:
        print(f"  {label}: {i}/{n}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from qa.service import PlanQA

    service = PlanQA.open()
    gold = load_gold_for(service, args.gold)
    out = args.out or default_report_dir()
    configurations = (args.retriever,) if args.retriever else ABLATION
    followups = None if args.no_followups else (args.followups or (FOLLOWUP_DEV if args.gold is None else None))
    report = run_evaluation(service, gold, out, configurations, answers=not args.no_answers, progress=_progress,
                            followups=followups)
    print(markdown_table(summary_rows(report.data), "retriever"))
    if report.answers:
        print()
        print(markdown_table([report.answers.row()], "metric"))
        print()
        print(markdown_table(report.answers.group_rows(), "group"))
    if report.followups:
        print(f"\nfollow-ups ({report.followups.path}):")
        print(markdown_table(report.followups.rows(), "kind"))
        print(f"no-harm: {report.followups.no_harm:.3f} of {report.followups.no_harm_n} questions unchanged by an"
              " unrelated earlier question")
        refused, answerable = report.followups.openings_refused()
        print(f"opening questions the plan answers, refused: {refused} of {answerable}")
    print(f"\nreport: {report.markdown}  chart: {report.chart}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from eval.train_answerability import TrainingError, train_and_tune
    from qa.service import PlanQA

    service = PlanQA.open()
    if args.gold and args.gold.resolve().name.startswith("sealed"):
        raise GoldError("the sealed test set is never used for tuning; choose the threshold on the development set")
    try:
        report = train_and_tune(service, load_gold_for(service, args.gold))
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"trained on {report.n_in_scope} in-scope and {report.n_out_of_scope} out-of-scope bank questions"
          f" (5-fold ROC AUC {report.cv_auc:.3f}; wording model out-of-fold ROC AUC {report.wording_auc:.3f})")
    wrong = ", ".join(f"{name} {share:.3f}" for name, share in report.wrong_refusals.items())
    print(f"threshold {report.threshold}: correct refusals {report.correct_refusals:.3f} on out-of-plan development"
          f" questions; wrong refusals {wrong}; bank out-of-fold wrong refusals"
          f" {report.bank_wrong_refusals:.3f}, correct refusals {report.bank_correct_refusals:.3f};"
          f" {report.n_answerability_only} answerability-only questions out of fold: wrong refusals"
          f" {report.answerability_only_wrong_refusals:.3f}")
    return 0


def _train_classifier() -> int:
    from corpus.bank.records import BankError
    from eval.train_classifier import ClassifierTrainingError, train_classifiers
    from qa.service import PlanQA

    try:
        reports = train_classifiers(PlanQA.open())
    except (ClassifierTrainingError, BankError) as exc:  # BankError: a candidate question file that does not validate
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for r in reports:
        print(f"{r.doc_id}: trained on {r.n_questions} residents' questions over {r.n_clauses} clauses; seventh wave"
              f" ({r.held_out}, never trained on) Recall@1 {r.recall_at_1:.3f}, @5 {r.recall_at_5:.3f} -> {r.path}")
    return 0


def _train_reranker() -> int:
    from corpus.bank.records import BankError
    from eval.train_reranker import RerankTrainingError, train_reranker
    from qa.service import PlanQA

    try:
        report = train_reranker(PlanQA.open())
    except (RerankTrainingError, BankError) as exc:  # BankError: a candidate question file that does not validate
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"trained on {report.n_questions} questions (development sets and bank candidates); Recall@1 with each group"
          " held out, fused -> reranked:")
    for group, (n, before, after) in report.held_out.items():
        print(f"  {group} ({n}): {before:.3f} -> {after:.3f}")
    print(f"written: {report.path}")
    return 0


def _train_sentences() -> int:
    from eval.train_sentences import SentenceTrainingError, train_sentences
    from qa.service import PlanQA

    try:
        report = train_sentences(PlanQA.open())
    except SentenceTrainingError as exc:  # a candidate file that does not validate (BankError) is reported by main()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"trained on {report.n_questions} questions; with each group held out, hand-set score -> model:")
    for group, f in report.held_out.items():
        print(f"  {group} ({f.questions}): lead sentence holds the evidence {f.lead_before} -> {f.lead_after},"
              f" a cited one {f.cited_before} -> {f.cited_after}, sentences cited {f.citations_before:.2f} ->"
              f" {f.citations_after:.2f}")
    print(f"written: {report.path}")
    return 0


def _train_answer_check() -> int:
    from eval.train_answer_check import CheckTrainingError, train_check

    return _report_training(train_check, (CheckTrainingError,), lambda report: [
        f"trained on {report.answered} answered pairs, {report.out_of_scope_pairs} out-of-scope and"
        f" {report.wrong_sentence_pairs} wrong-sentence pairs (training ROC AUC {report.training_auc:.3f})"])


def _robustness(args: argparse.Namespace) -> int:
    from eval.robustness import REWORDINGS, measure_robustness
    from qa.service import PlanQA

    result = measure_robustness(PlanQA.open(), args.rewordings or REWORDINGS)
    print(markdown_table([result.row()], "metric"))
    for variant, (top, lead) in result.by_variant.items():
        print(f"  {variant}: same top clause {top:.3f}, same lead citation {lead:.3f}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.scale:
        return _bench_scale(args)
    if args.rest:
        return _bench_rest(args)
    from eval.bench import run_bench
    from qa.service import PlanQA

    service = PlanQA.open()
    gold = load_gold_for(service, args.gold)
    out = args.out or default_report_dir()
    result = run_bench(service, gold, lambda msg: print(f"  {msg}", file=sys.stderr), builds=not args.no_builds)
    if args.web and args.url:
        from eval.webload import run_web_load

        result["figures"].update(run_web_load(args.url, gold))
    elif args.web:
        import tempfile

        from eval.webload import run_web_abuse

        with tempfile.TemporaryDirectory(prefix="planqa-abuse-") as scratch:
            result["figures"].update(run_web_abuse(gold, Path(scratch)))
    save_json(out, BENCH_JSON, result)
    render_markdown(out)
    for name, value in result["figures"].items():
        print(f"{name}: {value}")
    print(f"\nreport: {out / 'report.md'}")
    return 0


def _bench_scale(args: argparse.Namespace) -> int:
    from eval.scale import SCALE_JSON, plot_growth, rows_to_json, run_scale, scale_markdown

    try:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        print(f"error: --sizes must be whole numbers separated by commas, not '{args.sizes}'", file=sys.stderr)
        return 2
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not sizes or any(n < 1 or n > 5000 for n in sizes) or not backends or set(backends) - {"faiss", "milvus"}:
        print("error: --sizes takes 1..5000 documents and --backends faiss and/or milvus", file=sys.stderr)
        return 2
    gold = _gold_only(args.gold)
    out = args.out or default_report_dir()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for backend in backends:
        mine = [n for n in sizes if backend != "milvus" or n <= args.milvus_max]
        try:
            rows += run_scale(mine, [backend], [q.question for q in gold.questions],
                              lambda msg: print(f"  {msg}", file=sys.stderr))
        except RuntimeError as exc:  # a build or serve step failed in its own process; its stderr tail is the message
            print(f"error: {exc}", file=sys.stderr)
            return 2
    save_json(out, SCALE_JSON, {"synthetic": True, "rows": rows_to_json(rows)})
    table = scale_markdown(rows)
    (out / "scale.md").write_text("# Scale benchmark (synthetic corpora)\n\n" + table + "\n\n![growth](scale.png)\n",
                                  encoding="utf-8")
    plot_growth(rows, out / "scale.png")
    print(table)
    print(f"\nreport: {out / 'scale.md'}")
    return 0


def _gold_only(path: Path | None):
    """The gold questions, checked against the stored corpus, without loading the index."""
    from corpus.store import CorpusStore
    from eval.gold import DEV_SET, load_gold

    return load_gold(path or DEV_SET, [d.clean_text for d in CorpusStore.default().load_all()])


def _bench_rest(args: argparse.Namespace) -> int:
    from corpus.bank import load_bank
    from corpus.store import CorpusStore
    from eval.restload import rest_markdown, run_rest_bench

    # Load questions: the question bank's (training data, never scored here), each asked once per server.
    bank = load_bank(CorpusStore.default().load_all())
    questions = [q.question for q in bank.in_scope] + [q.question for q in bank.out_of_scope]
    out = args.out or default_report_dir()
    out.mkdir(parents=True, exist_ok=True)
    rows = run_rest_bench(questions, lambda msg: print(f"  {msg}", file=sys.stderr))
    save_json(out, "rest.json", {"rows": rows})
    table = rest_markdown(rows)
    (out / "rest.md").write_text("# REST throughput\n\n" + table + "\n", encoding="utf-8")
    print(table)
    print(f"\nreport: {out / 'rest.md'}")
    return 0


def _train_judgement() -> int:
    from eval.train_answer_check import CheckTrainingError
    from eval.train_answerability import TrainingError
    from eval.train_judgement import train_judgement

    return _report_training(train_judgement, (CheckTrainingError, TrainingError), lambda report: [
        f"trained on {report.judgements} judgement questions against {report.in_scope} in-scope ones"
        f" (out-of-fold ROC AUC {report.out_of_fold_auc:.3f})"])


def _report_training(train: Callable[..., Any], errors: tuple[type[Exception], ...],
                     summary: Callable[[Any], list[str]]) -> int:
    """Train on the opened service and print the summary lines and where the model was written; a training error is
    a message and exit 2 (a bank file that does not validate is reported by main())."""
    from qa.service import PlanQA

    try:
        report = train(PlanQA.open())
    except errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in summary(report):
        print(line)
    print(f"written: {report.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
