"""The prompt templates (`prompts/` in the repository), shipped as package data: `settings.PROMPTS`."""
