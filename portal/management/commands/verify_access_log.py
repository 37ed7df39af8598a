import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.access_log import ChainHead, access_log_verify, anchor_folder, parse_head


class Command(BaseCommand):
    help = (
        "Checks the access log's hash chain; exits non-zero at the first broken link. "
        "With --expect-head ROWS:HASH (from the daily anchor e-mail or file) or --anchor-file, "
        "also detects rows deleted from the end, or an emptied log."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            metavar="ROWS:HASH",
            help="the row count and head hash of an earlier anchor",
        )
        parser.add_argument(
            "--anchor-file",
            type=Path,
            nargs="?",
            const=None,
            default=False,
            help="check against the latest anchor in this file "
            "(default: access-log-anchors.jsonl in ACCESS_LOG_ANCHOR_DIR)",
        )

    def handle(self, *args, **options):
        expect = None
        if options["expect_head"]:
            try:
                expect = parse_head(options["expect_head"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        elif options["anchor_file"] is not False:
            path = options["anchor_file"] or anchor_folder() / "access-log-anchors.jsonl"
            expect = _latest_anchor(path)
        checked, broken = access_log_verify(expect=expect)
        if broken is not None:
            raise CommandError(
                f"Access log broken at event {broken.event_id}: {broken.problem} "
                f"({checked} rows before it are intact)."
            )
        anchored = f", including the anchored head ({expect.rows} rows)" if expect else ""
        self.stdout.write(self.style.SUCCESS(f"Access log intact: {checked} rows{anchored}."))


def _latest_anchor(path: Path) -> ChainHead:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise CommandError(f"Cannot read the anchor file {path}: {exc}") from exc
    if not lines:
        raise CommandError(f"No anchor in {path}.")
    last = json.loads(lines[-1])
    return ChainHead(rows=int(last["rows"]), head_hash=str(last["head_hash"]))
