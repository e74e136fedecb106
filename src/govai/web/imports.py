"""Imports started from the console, run in a background thread of the web process.

The upload form returns at once; the knowledge base's page polls the job for its stage and
count (读取、分词、写入、建索引) and shows the per-file report when it is over.
``govai serve --workers N`` runs several processes, and the poll may reach any of them, so a
job's state is not kept in the memory of the process that runs it but in
``GOVAI_HOME/imports/<id>.json``, rewritten atomically at each stage (and at most every
:data:`SAVE_INTERVAL` seconds within one). One import runs per
knowledge base at a time, across processes: the thread running a job holds an exclusive
``flock`` on the base's lock file beside the state files. The same lock tells a live job from one
whose process died (a restart, a crash): a state file that says running while nobody holds the
lock is reported as interrupted. A job is visible only to the account that started it; the last
:data:`KEEP` finished jobs are kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govai.accounts.principal import Principal
from govai.errors import Conflict, GovaiError, NotFound
from govai.knowledge import service
from govai.knowledge.importer import import_uploads
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform

log = logging.getLogger("govai.web")
KEEP = 100
SAVE_INTERVAL = 0.25
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
INTERRUPTED = (
    "导入中断：处理该任务的服务进程已退出（如服务重启）。已导入的文件保留在知识库中，"
    "请核对文件列表后重新上传其余文件。"
)
INTERNAL = "导入失败：服务器内部错误，已记录日志。请稍后重试；如持续出现，请联系系统管理员。"


@dataclass
class ImportJob:
    """One upload being imported; ``state`` is running, done or failed."""

    id: str
    kb: str
    owner: str
    files: list[str]
    stage: str = "排队"
    done: int = 0
    total: int = 0
    state: str = "running"
    report: dict[str, Any] | None = None
    error: str = ""
    started: float = field(default_factory=time.time)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kb": self.kb,
            "files": self.files,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "report": self.report,
            "error": self.error,
            "seconds": round(self.seconds or max(time.time() - self.started, 0.0), 1),
        }


class ImportJobs:
    """The console's imports, their state in files under ``directory`` (one app's registry;
    the apps of several worker processes share the directory)."""

    def __init__(self, directory: Path, keep: int = KEEP) -> None:
        self.directory = Path(directory)
        self.keep = keep
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(
        self,
        platform: Platform,
        retriever: Retriever,
        actor: Principal,
        kb_name: str,
        uploads: Sequence[tuple[str, bytes]],
    ) -> ImportJob:
        self.directory.mkdir(parents=True, exist_ok=True)
        kb_lock = self._try_lock(kb_name)
        if kb_lock is None:
            busy = next((j for j in self._all() if j.kb == kb_name and j.state == "running"), None)
            owner = f"（{busy.owner} 发起）" if busy else ""
            raise Conflict(
                f"知识库 {kb_name} 正在导入文件{owner}，请等待完成后再上传。", kb=kb_name
            )
        try:
            job = ImportJob(
                secrets.token_urlsafe(12), kb_name, actor.username, [n for n, _ in uploads]
            )
            job.total = len(uploads)
            self._save(job)
            self._prune()
            thread = threading.Thread(
                target=self._run,
                args=(job, kb_lock, platform, retriever, actor, list(uploads)),
                name=f"govai-import-{kb_name}",
                daemon=True,
            )
            with self._lock:
                self._threads = {k: t for k, t in self._threads.items() if t.is_alive()}
                self._threads[job.id] = thread
            thread.start()
        except BaseException:
            os.close(kb_lock)
            raise
        return job

    def get(self, job_id: str, actor: Principal, kb_name: str) -> ImportJob:
        job = self._load(job_id) if _JOB_ID.match(job_id) else None
        if job is None or job.owner != actor.username or job.kb != kb_name:
            raise NotFound(
                f"没有编号为 {job_id} 的导入任务（任务只对发起人可见，只保留最近 {self.keep} 个）。"
            )
        if job.state == "running" and not self._running_here(job.id):
            job = self._unless_interrupted(job)
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until the job's thread has ended, if it runs in this process."""
        with self._lock:
            thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    # -- running

    def _run(
        self,
        job: ImportJob,
        kb_lock: int,
        platform: Platform,
        retriever: Retriever,
        actor: Principal,
        uploads: list[tuple[str, bytes]],
    ) -> None:
        saved = [time.monotonic()]

        def progress(stage: str, done: int, total: int) -> None:
            changed = stage != job.stage
            job.stage, job.done, job.total = stage, done, total
            if changed or time.monotonic() - saved[0] >= SAVE_INTERVAL:
                self._save(job)
                saved[0] = time.monotonic()

        try:
            report = import_uploads(platform.db, actor, job.kb, uploads, progress=progress)
            progress("建索引", 0, 1)
            with platform.db.read() as session:
                retriever.index_for(service.get_kb(session, job.kb, actor))
            job.stage, job.done, job.total = "建索引", 1, 1
            job.report = report.as_dict()
            job.state = "done"
        except GovaiError as exc:
            job.error, job.state = exc.message, "failed"
        except Exception:
            log.exception("import into knowledge base %s failed", job.kb)
            job.error, job.state = INTERNAL, "failed"
        finally:
            job.seconds = max(time.time() - job.started, 0.0)
            try:
                self._save(job)  # the outcome is on disk before the lock says the job is over
            except Exception:
                log.exception("could not save the state of import job %s", job.id)
            finally:
                os.close(kb_lock)

    def _running_here(self, job_id: str) -> bool:
        with self._lock:
            thread = self._threads.get(job_id)
        return thread is not None and thread.is_alive()

    def _unless_interrupted(self, job: ImportJob) -> ImportJob:
        """``job`` as it stands, or marked failed when the process running it has gone."""
        kb_lock = self._try_lock(job.kb)
        if kb_lock is None:
            return job  # held: the job runs in another process
        try:
            current = self._load(job.id)  # it may have finished since it was read
            if current is None or current.state != "running":
                return current or job
            current.state, current.error = "failed", INTERRUPTED
            current.seconds = max(time.time() - current.started, 0.0)
            self._save(current)
            return current
        finally:
            os.close(kb_lock)

    # -- files

    def _try_lock(self, kb_name: str) -> int | None:
        """An open descriptor holding the base's import lock, or None if someone holds it.

        Each call opens the file anew, so two threads of one process exclude each other too."""
        self.directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(kb_name.encode("utf-8")).hexdigest()[:16]
        fd = os.open(self.directory / f"kb-{digest}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def _path(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def _save(self, job: ImportJob) -> None:
        path = self._path(job.id)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def _load(self, job_id: str) -> ImportJob | None:
        try:
            data = json.loads(self._path(job_id).read_text(encoding="utf-8"))
            return ImportJob(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _all(self) -> Iterator[ImportJob]:
        for path in self.directory.glob("*.json"):
            job = self._load(path.stem)
            if job is not None:
                yield job

    def _prune(self) -> None:
        finished = sorted((j for j in self._all() if j.state != "running"), key=lambda j: j.started)
        for job in finished[: max(len(finished) - self.keep, 0)]:
            with contextlib.suppress(OSError):
                self._path(job.id).unlink()
