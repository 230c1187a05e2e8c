"""Arguments and set-up shared by ``floorlight monitor`` and ``floorlight ingest``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from floorlight import settings
from floorlight.commands._common import add_model_argument, default_lexicon, open_model
from floorlight.credentials import add_url_arguments
from models.artifacts import FloorlightModel
from models.lexicon import Lexicon, load_lexicon
from monitor.config import MonitorConfig, load_config
from monitor.redact import RedactLogs


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    add_url_arguments(parser, "db", help="store URL: sqlite:///path.db or "
                      "postgresql://user@host/db (default: $FLOORLIGHT_DB, else "
                      "$FLOORLIGHT_HOME/floorlight.db)")
    parser.add_argument("--config", type=Path, default=None,
                        help="monitor settings (TOML; see monitor/config.py)")
    parser.add_argument("--shard", default=None,
                        help="I/N: own the calls with crc32(call_id) %% N == I (scale-out)")
    parser.add_argument("--no-redact", dest="redact", action="store_false", default=None,
                        help="store and publish text as received (PII redaction is on by "
                        "default)")
    parser.add_argument("--log-level", default="INFO")


def setup(args: argparse.Namespace) -> tuple[FloorlightModel, Lexicon, MonitorConfig, str]:
    logging.getLogger().setLevel(args.log_level.upper())
    config = load_config(args.config, shard=args.shard, redact=args.redact)
    if config.redact:  # a log line may quote a rejected field or a failed row: redact it too
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactLogs) for f in handler.filters):
                handler.addFilter(RedactLogs())
    model = open_model(args.model)
    lexicon = load_lexicon(default_lexicon())
    return model, lexicon, config, args.db or settings.default_db_url()
