from pathlib import Path

from govai.cli.docs import cli_markdown

DOCS = Path(__file__).parent.parent / "docs"


def test_cli_reference_is_generated_from_the_commands() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(), (
        "docs/cli.md is stale: run `python -m govai.cli.docs > docs/cli.md`"
    )


def test_readme_shows_the_two_commands_first() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
