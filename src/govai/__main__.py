from govai.cli.main import cli

cli()
