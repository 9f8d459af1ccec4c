"""What is kept: pydantic documents, TinyDB repositories, secrets. Never imports Textual."""
