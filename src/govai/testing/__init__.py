"""Testing kit: a protocol-faithful fake OpenAI-compatible server and pytest fixtures."""
