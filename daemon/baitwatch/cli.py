"""The ``baitwatch`` command: one entry point, one small handler per subcommand."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from baitwatch import __version__
from baitwatch.errors import BaitwatchError

TRAIN_EXTRA_HINT = "this command needs the training extra: pip install 'baitwatch[train]'"


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
        return value

    return parse


def _fraction(text: str) -> float:
    value = _positive(float)(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"{text} must be below 1")
    return value


def _iso_day(text: str) -> str:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day in the form YYYY-MM-DD") from None


def _train(args: argparse.Namespace) -> int:
    from model_export.train import TrainOptions, train

    train(
        TrainOptions(
            data=args.data,
            out=args.out,
            base_model=args.base_model,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            max_length=args.max_length,
            seed=args.seed,
            freeze=args.freeze,
            layers=args.layers,
            max_train_rows=args.max_train_rows,
            max_eval_rows=args.max_eval_rows,
            homepage_share=args.homepage_share,
            future_from=args.future_from,
            target_fpr=args.target_fpr,
        )
    )
    return 0


def _train_pages(args: argparse.Namespace) -> int:
    from model_export.page_model import PageTrainOptions, train_pages

    train_pages(PageTrainOptions(data=args.data, out=args.out))
    return 0


def _export(args: argparse.Namespace) -> int:
    from model_export.export import export

    export(args.checkpoint, args.out)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from model_export.evaluate import evaluate_model

    evaluate_model(args.model_dir, args.data, args.plots)
    return 0


def _check(args: argparse.Namespace) -> int:
    from baitwatch.check import run_check

    if args.pages is None and not args.urls:
        raise BaitwatchError("give URLs to check, - to read them from stdin, or --pages MANIFEST")
    return run_check(args.urls, args.model, args.json, args.pages)


def _config(args: argparse.Namespace):
    from baitwatch.config import load_config

    flags = {name: getattr(args, name, None) for name in ("host", "port", "log_level", "model_dir")}
    flags |= {name: True for name in ("log_urls", "unsafe_allow_remote") if getattr(args, name, False)}
    return load_config(flags)


def _serve(args: argparse.Namespace) -> int:
    import logging

    from baitwatch.daemon import serve

    config = _config(args)
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(config, with_tray=not args.no_tray)
    return 0


def _tray(args: argparse.Namespace) -> int:
    from baitwatch.client import DaemonClient
    from baitwatch.tray import Tray

    Tray(DaemonClient(_config(args))).run_until_quit()
    return 0


def _status(args: argparse.Namespace) -> int:
    import json

    from baitwatch.client import DaemonClient

    state = DaemonClient(_config(args)).request("GET", "/v1/status")
    if args.json:
        print(json.dumps(state, indent=2))
        return 0
    print(f"baitwatch {state['version']}: protection {'ON' if state['enabled'] else 'OFF'}")
    model = state["model"]
    homepages = model.get("homepage_threshold", model["threshold"])  # a daemon started before homepages had their own
    print(f"model {model['id']} (threshold {model['threshold']:.4f}, homepages {homepages:.4f}); up {state['uptime_seconds']:.0f} s")
    if "counters" in state:  # given only to the token holder, i.e. the daemon's own user
        cache, counters = state["cache"], state["counters"]
        print(f"checked {counters.get('checked', 0)}, phishing {counters.get('phishing', 0)}; "
              f"cache {cache['entries']} entries, {cache['hits']} hits, {cache['misses']} misses")
    for problem in state["problems"]:
        print(f"problem: {problem}")
    return 0


def _pair(args: argparse.Namespace) -> int:
    from baitwatch.client import DaemonClient

    answer = DaemonClient(_config(args)).request("POST", "/v1/pair/code", {})
    minutes = answer["expires_in_seconds"] // 60
    print(f"Pairing code: {answer['code']}")
    print(f"Enter it in the baitwatch extension's popup within {minutes} minutes. It works once.")
    return 0


def _forget(args: argparse.Namespace) -> int:
    from baitwatch.client import DaemonClient, DaemonNotRunning

    try:  # a running daemon holds the familiar sites in memory too
        DaemonClient(_config(args)).request("DELETE", "/v1/familiar")
    except DaemonNotRunning:
        from baitwatch.paths import data_dir
        from baitwatch.store import Store

        Store(data_dir()).forget_familiar()
    print("Forgot every familiar site.")
    return 0


def _reports(args: argparse.Namespace) -> int:
    from baitwatch.client import DaemonClient, DaemonNotRunning

    try:  # a running daemon protects with them, so it is the one to change them
        client = DaemonClient(_config(args))
        answer = client.request("GET", "/v1/reports") if args.action == "list" else client.request("DELETE", "/v1/reports", {"site": args.site})
        reports = answer["reports"]
    except DaemonNotRunning:
        reports = _reports_on_file(args)
    if args.action == "remove":
        print(f"Withdrew the reports about {args.site}.")
        return 0
    for report in reports:
        print(f"{report['label']:<9} {report['site']:<40} {report.get('time') or '-'}  {report['url']}")
    if not reports:
        print("No reports.")
    return 0


def _reports_on_file(args: argparse.Namespace) -> list[dict]:
    from baitwatch.paths import data_dir
    from baitwatch.reports import latest_reports, site_of
    from baitwatch.store import Store

    store = Store(data_dir())
    if args.action == "remove" and not store.remove_feedback(lambda entry: site_of(entry) == args.site):
        raise BaitwatchError(f"there is no report about {args.site}")
    return [asdict(report) for report in latest_reports(store.feedback()).values()]


def _model(args: argparse.Namespace) -> int:
    from baitwatch.model_command import run_model_command

    return run_model_command(args.action, getattr(args, "argument", None), _config(args))


def _retrain(args: argparse.Namespace) -> int:
    from baitwatch.model_command import run_model_command
    from baitwatch.models import ModelStore
    from baitwatch.paths import data_dir, models_dir
    from model_export.retrain import RetrainOptions, retrain

    if args.replay_rows and not args.data:
        raise BaitwatchError("--replay-rows counts the rows a feed refresh replays: give the feed with --data")
    options = RetrainOptions(data=args.data or [], replay_rows=args.replay_rows, held_out_rows=args.held_out_rows)
    result = retrain(data_dir(), ModelStore(models_dir()), options)
    if args.json:  # for the daemon's background retrain (retraining.py): one line, the result
        print(json.dumps(asdict(result)), flush=True)
    before, after, noise = result.held_out["before"], result.held_out["after"], result.held_out["noise"]
    feed = f" and it learnt {result.feed_rows} rows of the feed" if result.feed_rows else ""
    print(f"{result.corrected} of {result.feedback_rows} feedback rows get your verdict from the new model{feed}; "
          f"on {before['rows']} held-out rows: false alarms {before['false_alarms']:.4f} -> {after['false_alarms']:.4f} "
          f"(noise {noise['false_alarms']:.4f}), recall {before['recall']:.4f} -> {after['recall']:.4f} (noise {noise['recall']:.4f}), "
          f"ROC AUC {before['roc_auc']:.4f} -> {after['roc_auc']:.4f}; {result.seconds / 60:.1f} min")
    print(f"The retrained model was {result.reason}.")
    if result.installed is None:
        return 1
    return run_model_command("use", result.installed, _config(args))


def _extension(args: argparse.Namespace) -> int:
    from baitwatch.extension_folders import how_to_load

    print(how_to_load())
    return 0


def _autostart(args: argparse.Namespace) -> int:
    from baitwatch import autostart

    kind = args.kind or autostart.platform_kind()
    if args.action == "install":
        print(autostart.install(kind, args.dir))
    else:
        autostart.remove(kind, args.dir)
    return 0


def _add_daemon_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="daemon address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="daemon port (default 47821)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baitwatch", description="Private, on-device phishing protection.")
    parser.add_argument("--version", action="version", version=f"baitwatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the daemon the browser extension talks to")
    _add_daemon_address(serve)
    serve.add_argument("--model", dest="model_dir", type=Path, help="model folder (default: the shipped model)")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    serve.add_argument("--log-urls", action="store_true", help="write full URLs to the log (default: hostnames only)")
    serve.add_argument("--unsafe-allow-remote", action="store_true", help="allow a non-loopback --host (other machines could query it)")
    serve.add_argument("--no-tray", action="store_true", help="do not show the system tray icon")
    serve.set_defaults(handler=_serve)

    tray = commands.add_parser("tray", help="show the tray icon for a daemon that is already running")
    _add_daemon_address(tray)
    tray.set_defaults(handler=_tray)

    status = commands.add_parser("status", help="ask the running daemon for its state")
    _add_daemon_address(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)

    pair = commands.add_parser("pair", help="print a one-time code that pairs the browser extension")
    _add_daemon_address(pair)
    pair.set_defaults(handler=_pair)

    forget = commands.add_parser("forget", help="forget which sites are familiar (the visit days kept as salted digests)")
    _add_daemon_address(forget)
    forget.set_defaults(handler=_forget)

    reports = commands.add_parser("reports", help="your reports (this is phishing / not phishing), which protect at once")
    report_actions = reports.add_subparsers(dest="action", required=True, metavar="ACTION")
    _add_daemon_address(report_actions.add_parser("list", help="the latest report about each site"))
    remove = report_actions.add_parser("remove", help="withdraw every report about a site")
    remove.add_argument("site", metavar="SITE", help="the site as 'baitwatch reports list' names it")
    _add_daemon_address(remove)
    reports.set_defaults(handler=_reports)

    model = commands.add_parser("model", help="list the models, choose the active one, roll back, install one")
    actions = model.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text in (("list", "the shipped and installed models; * marks the one in use"), ("rollback", "go back to the model used before")):
        _add_daemon_address(actions.add_parser(name, help=help_text))
    use = actions.add_parser("use", help="make a model the active one (the daemon switches at once)")
    use.add_argument("argument", metavar="ID", help="a model id from 'baitwatch model list', or 'shipped'")
    _add_daemon_address(use)
    install = actions.add_parser("install", help="copy a model folder into your models (it is not made active)")
    install.add_argument("argument", metavar="PATH", help="a model folder, as baitwatch export writes")
    model.set_defaults(handler=_model)

    retrain = commands.add_parser("retrain", help="teach the active model your reported mistakes, and use the result unless it is worse")
    retrain.add_argument("--data", type=Path, action="append", metavar="FEED.csv",
                         help="also learn a feed: CSV or CSV.gz with url,label[,date] rows; repeat for several files")
    retrain.add_argument("--replay-rows", type=_positive(int), help="with --data, replay this many of the 4,000 training rows the model kept (default: all)")
    retrain.add_argument("--held-out-rows", type=_positive(int), help="judge on fewer of the model's ~32,000 held-out rows (faster, coarser)")
    retrain.add_argument("--json", action="store_true", help="also print the result as one JSON line, before the words")
    _add_daemon_address(retrain)
    retrain.set_defaults(handler=_retrain)

    extension = commands.add_parser("extension", help="print where the browser extension is, ready to load, and how to load it")
    extension.set_defaults(handler=_extension)

    autostart = commands.add_parser("autostart", help="start the daemon at login (used by the installers)")
    autostart.add_argument("action", choices=["install", "remove"])
    autostart.add_argument("--kind", choices=["systemd", "launchd", "windows"], help="default: this platform's")
    autostart.add_argument("--dir", type=Path, help="folder for the unit or agent file (default: the platform's)")
    autostart.set_defaults(handler=_autostart)

    check = commands.add_parser("check", help="score URLs in this process, without a daemon")
    check.add_argument("urls", nargs="*", metavar="URL", help="URLs to check, or - to read one per line from stdin")
    check.add_argument("--pages", type=Path, metavar="MANIFEST",
                       help='judge pages too: JSON lines {"url": ..., "html_path": ...} (paths relative to the manifest; - for stdin)')
    check.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    check.add_argument("--json", action="store_true", help="print one JSON object per URL")
    check.set_defaults(handler=_check)

    train = commands.add_parser("train", help="fine-tune a URL classifier on a labelled CSV")
    train.add_argument("--data", type=Path, required=True, action="append", help="CSV or CSV.gz with url,label[,source][,date]; repeat for several files")
    train.add_argument("--out", type=Path, required=True, help="folder for the trained model")
    train.add_argument("--base-model", help="Hugging Face model id or folder (default: offline all-MiniLM-L6-v2)")
    train.add_argument("--epochs", type=_positive(float), default=3.0)
    train.add_argument("--lr", type=_positive(float), default=5e-5)
    train.add_argument("--batch-size", type=_positive(int), default=32)
    train.add_argument("--max-length", type=_positive(int), default=64, help="tokens per URL (default 64)")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--layers", type=_positive(int), help="keep only the base model's first N encoder layers (faster to serve)")
    train.add_argument("--freeze", choices=["base"], help="'base': train only pooler and head (the original recipe)")
    train.add_argument("--max-train-rows", type=_positive(int), help="train on this many rows: half per label, homepages at the same share in both")
    train.add_argument("--homepage-share", type=_fraction, help="with --max-train-rows: the share of homepages under each label (default: the legitimate rows' own)")
    train.add_argument("--max-eval-rows", type=_positive(int), help="validate and test on a stratified sample of this many rows each")
    train.add_argument("--future-from", type=_iso_day, help="hold out phishing reported on or after this day (YYYY-MM-DD) as the future test")
    train.add_argument("--target-fpr", type=_fraction, default=0.0025, help="validation false-positive rate the threshold aims at")
    train.set_defaults(handler=_train)

    train_pages = commands.add_parser("train-pages", help="train the page model on a corpus of saved pages, and choose its levels")
    train_pages.add_argument("--data", type=Path, required=True, help="pages.jsonl.gz: id, label, source, url, html per line (../shared/data/pages/)")
    train_pages.add_argument("--out", type=Path, required=True, help="folder for ngrams.npz and page_model.json (the shipped one: daemon/baitwatch/page/model)")
    train_pages.set_defaults(handler=_train_pages)

    export = commands.add_parser("export", help="turn a trained checkpoint into the int8 ONNX model the daemon serves")
    export.add_argument("checkpoint", type=Path, help="folder written by baitwatch train")
    export.add_argument("--out", type=Path, required=True, help="folder for model.onnx, tokenizer.json, model.json")
    export.set_defaults(handler=_export)

    evaluate = commands.add_parser("evaluate", help="metric table, ROC curve and score histogram of a model")
    evaluate.add_argument("model_dir", type=Path, help="folder with model.onnx, tokenizer.json, model.json")
    evaluate.add_argument("--data", type=Path, required=True, help="labelled CSV or CSV.gz")
    evaluate.add_argument("--plots", type=Path, default=Path("evaluation"), help="folder for roc.png and scores.png")
    evaluate.set_defaults(handler=_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BaitwatchError as error:
        print(f"baitwatch: error: {error}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as error:
        if error.name in {"torch", "transformers", "sklearn", "matplotlib", "onnx", "onnx_ir", "model_export"}:
            print(f"baitwatch: error: {TRAIN_EXTRA_HINT}", file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        return 130
