"""Run: .venv/bin/python bench/worker_memory.py [--rounds 5] [--tickets 20] [--documents 10] [--env NAME=VALUE ...]

Memory of the real background worker: `portal init` on a temporary instance (the starter help center),
then `portal worker` (SQLite queue, 2 threads) as bin/start runs it. Reads its VmRSS from /proc once it
is idle, then queues rounds of jobs of each kind from this process (the web side): tickets opened by mail
(the receipts: mail out), a search index update (ten articles and forum questions, as a failed
after-commit update is retried; --documents 0: all of them), the reports refresh and nightly run (the weekly mail), the SLA, rules and housekeeping
sweeps. Prints VmRSS idle, the peak (VmHWM) and after the jobs, against the 80 MB goal.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)

GOAL_MB = 80.0
PORTAL = str(Path(sys.executable).parent / "portal")
SETTINGS = {"PORTAL_SECRET_KEY": "bench", "PORTAL_ADMIN_EMAIL": "manager@comptoir.test",
            "PORTAL_ADMIN_PASSWORD": common.PASSWORD}
JOB_KINDS = ("search.apply", "reports.refresh", "reports.nightly", "sla.sweep", "rules.sweep",
             "maintenance.nightly")


def memory(pid: int) -> dict:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


def start_worker(instance: Path, extra_env: dict) -> subprocess.Popen:
    env = {**os.environ, **SETTINGS, **extra_env, "PORTAL_INSTANCE_PATH": str(instance)}
    log = open(instance / "worker.log", "ab")
    return subprocess.Popen([PORTAL, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_idle(app, seconds: float = 3.0, timeout: float = 120.0) -> None:
    """Until no job is queued or running (and `seconds` more, for the consumer to settle)."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.jobs.models import Job, JobStatus
    from portal.models_base import utcnow

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            busy = db.session.scalar(select(func.count(Job.id)).where(
                Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]), Job.run_after <= utcnow()))
        if not busy:
            break
        time.sleep(0.2)
    time.sleep(seconds)


def queue_round(app, number: int, tickets: int, documents: int) -> None:
    """One round of every kind of job: mail out, an index update of `documents` articles and forum
    questions (0: all of them), reports, sweeps."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.forum.models import Question
    from portal.jobs import services as jobs
    from portal.kb.models import Article
    from portal.tickets.services import open_ticket

    with app.app_context():
        for n in range(tickets):
            open_ticket(subject=f"Parcel {number}-{n} not received", body="Hello,\n\nmy order has not arrived.\n",
                        channel="email", email=f"client{number}-{n}@example.test", name=f"Client {n}")
            db.session.commit()  # each receipt is a mail.deliver job
        pending = [["article", row] for row in db.session.scalars(select(Article.id))]
        pending += [["question", row] for row in db.session.scalars(select(Question.id))]
        if documents:  # a different slice each round, as the edits of a day would be
            pending = [pending[(number * documents + n) % len(pending)] for n in range(min(documents, len(pending)))]
        jobs.enqueue("search.apply", pending=pending)
        for name in JOB_KINDS[1:]:
            jobs.enqueue(name)
        db.session.commit()


def run(rounds: int, tickets: int, documents: int, extra_env: dict, log: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="worker-memory-") as folder:
        instance = Path(folder)
        env = {**os.environ, **SETTINGS, "PORTAL_INSTANCE_PATH": str(instance)}
        subprocess.run([PORTAL, "init"], env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        process = start_worker(instance, extra_env)
        try:
            app = common.make_app(instance, SECRET_KEY="bench", SERVER_NAME=None)
            wait_idle(app, seconds=5.0)  # the first every-minute run and the jobs init left
            figures = {"idle": memory(process.pid)["VmRSS"]}
            for number in range(rounds):
                queue_round(app, number, tickets, documents)
                wait_idle(app, seconds=0.5)
            wait_idle(app, seconds=3.0)
            figures.update(after=memory(process.pid)["VmRSS"], peak=memory(process.pid)["VmHWM"])
            figures["failed"] = failed_jobs(app)
        finally:
            process.terminate()
            process.wait(timeout=30)
            if log:
                shutil.copyfile(instance / "worker.log", log)
        return figures


def failed_jobs(app) -> list[str]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.jobs.models import Job, JobStatus

    with app.app_context():
        return [f"{job.task}: {job.error}" for job in db.session.scalars(select(Job).where(
            Job.status == JobStatus.FAILED))]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Background worker memory benchmark.")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of jobs of every kind (default 5)")
    parser.add_argument("--tickets", type=int, default=20, help="tickets (receipts mailed) per round (default 20)")
    parser.add_argument("--documents", type=int, default=10,
                        help="documents per search index update (default 10; 0: every article and question)")
    parser.add_argument("--env", nargs="*", default=[], metavar="NAME=VALUE", help="more environment for the worker")
    parser.add_argument("--log", type=Path, help="keep the worker's log there")
    args = parser.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.env)
    figures = run(args.rounds, args.tickets, args.documents, extra_env, args.log)
    print(f"worker memory, {args.rounds} rounds of {args.tickets} receipts, {args.documents or 'all'} documents "
          f"indexed, {', '.join(JOB_KINDS[1:])}"
          f"{'  env ' + ' '.join(args.env) if args.env else ''}  (nproc {os.cpu_count()})")
    for label, key in (("idle", "idle"), ("peak", "peak"), ("after jobs", "after")):
        print(f"  VmRSS {label:<11}{figures[key]:7.1f} MB  {common.verdict(figures[key], GOAL_MB)} (goal < {GOAL_MB:.0f} MB)")
    for line in figures["failed"]:
        print(f"  FAILED job {line}")


if __name__ == "__main__":
    main()
