"""Downloading GGUF files from the Hugging Face hub, once, into the home folder's models dir.

A file already on disk is used without touching the network, so `hf:REPO[:FILE]` works offline
after the first pull. Files live under models_dir/OWNER--NAME/FILE (a plain folder, easy to find
and to delete), downloaded by huggingface_hub with its tqdm progress bar.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ModelError

# Quantisations in order of preference when the repo holds several and none was named:
# Q4_K_M is the usual quality/size sweet spot for code models on a CPU.
PREFERRED_QUANTS = ("Q4_K_M", "Q4_K_S", "Q5_K_M", "Q4_0", "Q5_K_S", "Q8_0", "Q6_K", "Q3_K_M",
                    "Q2_K", "F16", "BF16")


def parse_repo_spec(spec: str) -> tuple[str, str | None]:
    """`OWNER/NAME[:FILE]` -> (repo, file or None)."""
    repo, _, filename = spec.partition(":")
    if not re.fullmatch(r"[\w.\-]+/[\w.\-]+", repo):
        raise ModelError(f"'{spec}' is not a hub repo; use hf:OWNER/NAME[:FILE.gguf]")
    return repo, filename or None


def repo_dir(repo: str, models_dir: Path) -> Path:
    return Path(models_dir) / repo.replace("/", "--")


def choose_gguf(files: list[str]) -> str | None:
    """The file to use from a repo listing: single-file GGUFs, preferred quantisation first."""
    ggufs = [f for f in files if f.lower().endswith(".gguf")]
    # split models (-00001-of-00003.gguf) and vision projectors are not loadable on their own
    ggufs = [f for f in ggufs if not re.search(r"-\d{5}-of-\d{5}\.gguf$", f)
             and "mmproj" not in f.lower()]
    if not ggufs:
        return None
    for quant in PREFERRED_QUANTS:
        matches = sorted(f for f in ggufs if quant.lower() in f.lower())
        if matches:
            return matches[0]
    return sorted(ggufs)[0]


def _offline_error(repo: str, filename: str | None) -> ModelError:
    what = f"{repo}:{filename}" if filename else repo
    return ModelError(
        f"cannot download {what}: the hub is unreachable or offline mode is on; run "
        f"`toolcoder models pull {repo}` when online, or use --model gguf:PATH"
    )


def download_gguf(repo: str, filename: str | None, models_dir: Path) -> Path:
    """Return the local path of a GGUF from `repo`, downloading it only if it is not there yet."""
    if ":" in repo and filename is None:
        repo, filename = parse_repo_spec(repo)
    else:
        parse_repo_spec(repo)
    target_dir = repo_dir(repo, models_dir)
    if filename:
        local = target_dir / filename
        if local.is_file():
            return local
    elif target_dir.is_dir():
        present = [str(p.relative_to(target_dir)) for p in target_dir.rglob("*.gguf")
                   if ".cache" not in p.parts]
        chosen = choose_gguf(present)
        if chosen:
            return target_dir / chosen

    try:
        import huggingface_hub as hf
        from huggingface_hub import errors as hf_errors
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ModelError("huggingface_hub is not installed; pip install huggingface_hub") from exc

    try:
        if not filename:
            filename = choose_gguf(hf.list_repo_files(repo))
            if not filename:
                raise ModelError(f"hub repo {repo} has no single-file .gguf; name one with "
                                 f"hf:{repo}:FILE.gguf")
        path = hf.hf_hub_download(repo, filename, local_dir=target_dir)
    except ModelError:
        raise
    except (hf_errors.OfflineModeIsEnabled, hf_errors.LocalEntryNotFoundError) as exc:
        # before EntryNotFoundError: "not in the local cache" subclasses it
        raise _offline_error(repo, filename) from exc
    except hf_errors.RepositoryNotFoundError as exc:
        raise ModelError(f"hub repo {repo} not found (or private: set HF_TOKEN); check the name"
                         ) from exc
    except hf_errors.EntryNotFoundError as exc:
        raise ModelError(f"{filename} is not in hub repo {repo}; see the repo's file list") from exc
    except hf_errors.HfHubHTTPError as exc:
        raise ModelError(f"hub download of {repo} failed: {str(exc).splitlines()[0]}") from exc
    except OSError as exc:  # connection problems surface as OSError subclasses
        raise _offline_error(repo, filename) from exc
    except Exception as exc:  # httpx transport errors and the like: the network is the problem
        if "connect" in type(exc).__name__.lower() or "timeout" in type(exc).__name__.lower():
            raise _offline_error(repo, filename) from exc
        raise
    return Path(path)
