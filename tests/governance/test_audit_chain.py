import itertools

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from govai.accounts.principal import Principal
from govai.cli.main import cli
from govai.governance import audit
from govai.governance.models import AuditEntry, AuditHead
from govai.platform import Platform


@pytest.fixture
def trail(platform: Platform) -> Platform:
    actor = Principal(username="alice", user_id=1, via="session", ip="10.0.0.8")
    with platform.db.session() as s:
        for i in range(1, 9):
            audit.record(
                s, "doc.edit", actor=actor, object_type="doc", object_id=i, summary=f"第 {i} 次修改"
            )
    return platform


@pytest.fixture
def runner(trail: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", trail.settings.home)
    monkeypatch.setenv("GOVAI_DATABASE_URL", trail.settings.database)
    return CliRunner()


def _verify(platform: Platform) -> audit.VerifyResult:
    with platform.db.session() as s:
        return audit.verify(s)


def test_intact_chain_verifies(trail: Platform) -> None:
    result = _verify(trail)
    assert result.ok and result.checked == 8


def test_each_entry_links_to_the_previous(trail: Platform) -> None:
    with trail.db.session() as s:
        rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
        head = s.get(AuditHead, 1)
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert head is not None and head.hash == rows[-1].hash and head.seq == 8


def test_altered_entry_is_named(trail: Platform) -> None:
    with trail.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(summary="被改过"))
    result = _verify(trail)
    assert not result.ok and result.bad_seq == 5 and result.problem == "altered"
    assert "第 5 条" in result.message


def test_deleted_entry_is_named(trail: Platform) -> None:
    with trail.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    result = _verify(trail)
    assert not result.ok and result.bad_seq == 3 and result.problem == "deleted"


def test_deleted_tail_is_caught_by_the_head(trail: Platform) -> None:
    with trail.db.session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq >= 7))
    result = _verify(trail)
    assert not result.ok and result.bad_seq == 7 and result.problem == "deleted"


def test_rewritten_entry_with_recomputed_hash_breaks_the_next_link(trail: Platform) -> None:
    with trail.db.session() as s:
        row = s.get(AuditEntry, 4)
        assert row is not None
        row.summary = "伪造"
        row.hash = audit._hash_of(row)
    result = _verify(trail)
    assert not result.ok and result.bad_seq == 5 and result.problem == "inserted"


def test_inserted_entry_is_named(trail: Platform) -> None:
    with trail.db.session() as s:
        last = s.get(AuditEntry, 8)
        assert last is not None
        forged = AuditEntry(
            seq=9,
            ts=last.ts,
            actor="mallory",
            action="doc.edit",
            object_type="doc",
            object_id="1",
            summary="插入",
            ip="",
            prev_hash=last.hash,
        )
        forged.hash = audit._hash_of(forged)
        s.add(forged)
    result = _verify(trail)
    assert not result.ok and result.bad_seq == 9 and result.problem == "inserted"


def test_audit_entry_rolls_back_with_the_change(trail: Platform) -> None:
    with pytest.raises(RuntimeError), trail.db.session() as s:
        audit.record(s, "doc.edit", summary="未完成的修改")
        raise RuntimeError("crash mid-change")
    assert _verify(trail).checked == 8


def test_search_filters(trail: Platform) -> None:
    with trail.db.session() as s:
        rows, total = audit.search(s, audit.AuditFilter(actor="alice", text="第 3 次"))
    assert total == 1 and rows[0].object_id == "3"


def test_cli_verify_passes_then_fails_on_tampering(runner: CliRunner, trail: Platform) -> None:
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "校验通过" in ok.output
    with trail.db.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone-else"))
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code != 0
    assert "第 2 条" in bad.output


def test_cli_list_json(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["audit", "list", "--json", "--limit", "3"])
    assert out.exit_code == 0, out.output
    assert '"total": 8' in out.output


def test_verify_reports_progress_on_a_long_trail(platform: Platform) -> None:
    with platform.db.session() as s:
        for i in range(2100):
            audit.record(s, "doc.view", object_id=i)
    seen: list[int] = []
    with platform.db.session() as s:
        result = audit.verify(s, seen.append)
    assert result.ok and result.checked == 2100
    assert seen == [0, 1000, 2000]


def test_reading_the_trail_does_not_block_writers(trail: Platform) -> None:
    with trail.db.read() as reader:
        assert audit.verify(reader).ok
        with trail.db.session() as writer:  # would wait for the lock if the reader held it
            audit.record(writer, "doc.edit", summary="读取期间写入")
    with trail.db.read() as s:
        assert audit.verify(s).checked == 9


def test_entries_appended_during_verification_are_not_insertions(trail: Platform) -> None:
    seen_head = False

    def append_meanwhile(done: int) -> None:
        nonlocal seen_head
        if not seen_head:
            seen_head = True
            with trail.db.session() as writer:
                audit.record(writer, "doc.edit", summary="校验期间写入")

    with trail.db.read() as s:
        result = audit.verify(s, append_meanwhile)
    assert result.ok, result.message
