"""The OpenAI endpoints besides chat, end to end with the official openai SDK, each billed as new-api bills it.

The media mock reports ``5 + words`` prompt tokens, so every expected quota below is worked out
by hand from the request.
"""

from __future__ import annotations

import base64
import io
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from tests.e2e.relay_env import RelayEnv, unique
from tests.support.mock_media import MediaMock, prompt_tokens

from relaygate.kit import jsonx


@pytest.fixture(scope="module")
def media() -> Iterator[MediaMock]:
    server = MediaMock()
    yield server
    server.stop()


_CLIENTS: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def _setup(env: RelayEnv, media: MediaMock, *models: str, ratio: float = 1.0) -> openai.OpenAI:
    env.price(*models, ratio=ratio)
    env.channel(",".join(models), base_url=media.url)
    user = env.user(quota=50_000_000)
    env.current_user = user  # type: ignore[attr-defined]
    client = openai.OpenAI(base_url=env.v1, api_key=env.token(user, unlimited=True), max_retries=0)
    _CLIENTS.append(client)
    return client


def _last_row(env: RelayEnv) -> dict[str, object]:
    user = env.current_user  # type: ignore[attr-defined]
    env.wait_for(lambda: bool(env.logs(user)))
    return env.logs(user)[0]


def test_completions_non_stream_and_stream(env: RelayEnv, media: MediaMock) -> None:
    model = unique("instruct")
    client = _setup(env, media, model)
    prompt = "write a haiku about the sea"
    answer = client.completions.create(model=model, prompt=prompt, max_tokens=50)
    assert answer.choices[0].text == "Completed 6 words of prompt."
    cost = prompt_tokens(prompt) + 5  # reply has 5 words
    row = _last_row(env)
    assert row["quota"] == cost, row
    pieces = list(client.completions.create(model=model, prompt=prompt, max_tokens=50, stream=True))
    assert (
        "".join(p.choices[0].text for p in pieces if p.choices).strip()
        == "Completed 6 words of prompt."
    )
    assert media.last("/v1/completions").json["stream_options"] == {"include_usage": True}
    user = env.current_user  # type: ignore[attr-defined]
    env.wait_for(lambda: len(env.logs(user)) == 2)
    assert env.me(user)["used_quota"] == 2 * cost


def test_embeddings_float_base64_and_engine_alias(env: RelayEnv, media: MediaMock) -> None:
    model = unique("embed")
    client = _setup(env, media, model, ratio=0.5)
    result = client.embeddings.create(model=model, input=["one two", "three"])
    assert [d.embedding for d in result.data] == [[0.25, -0.5, 0.125]] * 2
    as_b64 = client.embeddings.create(model=model, input="one two", encoding_format="base64")
    packed = base64.b64decode(as_b64.data[0].embedding)  # type: ignore[arg-type]
    assert struct.unpack("<3f", packed) == (0.25, -0.5, 0.125)
    # (5 + 2 words) × 0.5 = 3.5 → 4, rounded half away from zero
    assert _last_row(env)["quota"] == 4
    key = client.api_key
    legacy = httpx.post(
        f"{env.v1}/engines/{model}/embeddings",
        json={"input": "a b c"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert legacy.status_code == 200
    assert media.last("/v1/embeddings").json["model"] == model


def test_moderations_bill_estimated_input(env: RelayEnv, media: MediaMock) -> None:
    model = unique("moderation")
    client = _setup(env, media, model)
    result = client.moderations.create(model=model, input="is this fine")
    assert result.results[0].flagged is False
    assert _last_row(env)["quota"] >= 1


def test_image_generation_priced_per_image_with_size(env: RelayEnv, media: MediaMock) -> None:
    client = _setup(env, media, "dall-e-3")
    env.set_option("ModelPrice", {"dall-e-3": 0.04, "dall-e-2": 0.02, "whisper-1": 0.006})
    images = client.images.generate(
        model="dall-e-3", prompt="a lighthouse", n=2, size="1792x1024", quality="hd"
    )
    assert len(images.data) == 2
    # 0.04 $ × 500,000 × size 2 × hd (non-square) 1.5 × 2 images = 120,000
    assert _last_row(env)["quota"] == 120_000


def test_image_edit_multipart_streams_the_file(env: RelayEnv, media: MediaMock) -> None:
    client = _setup(env, media, "dall-e-2")
    env.set_option("ModelPrice", {"dall-e-3": 0.04, "dall-e-2": 0.02, "whisper-1": 0.006})
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(200_000)
    result = client.images.edit(
        model="dall-e-2", image=("in.png", png, "image/png"), prompt="add a moon", size="512x512"
    )
    assert result.data[0].url
    recorded = media.last("/v1/images/edits")
    assert recorded.files == {"image": len(png)}
    assert recorded.fields["prompt"] == "add a moon"
    # 0.02 × 500,000 × 1.125
    assert _last_row(env)["quota"] == 11_250


def test_speech_is_streamed_back_and_billed_by_characters(env: RelayEnv, media: MediaMock) -> None:
    model = unique("tts")
    client = _setup(env, media, model, ratio=2)
    text = "Hello there, this is speech."
    with client.audio.speech.with_streaming_response.create(
        model=model, voice="alloy", input=text
    ) as answer:
        assert answer.headers["content-type"].startswith("audio/mpeg")
        audio = b"".join(answer.iter_bytes())
    assert len(audio) == 8 * 4096
    assert _last_row(env)["quota"] == len(text) * 2


def _wav(seconds: float, rate: int = 8000) -> bytes:
    frames = int(seconds * rate)
    data = b"\x00\x00" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


@pytest.mark.parametrize("response_format", ["json", "text", "srt", "vtt", "verbose_json"])
def test_transcription_formats_billed_by_duration(
    env: RelayEnv, media: MediaMock, response_format: str
) -> None:
    client = _setup(env, media, "whisper-1")
    env.set_option("ModelPrice", {"dall-e-3": 0.04, "dall-e-2": 0.02, "whisper-1": 0.006})
    audio = _wav(30.0)
    answer = client.audio.transcriptions.with_raw_response.create(
        model="whisper-1",
        file=("talk.wav", audio, "audio/wav"),
        response_format=response_format,  # type: ignore[arg-type]
    )
    text = answer.http_response.text
    assert "hello from the mock transcription" in text
    assert media.last("/v1/audio/transcriptions").files == {"file": len(audio)}
    # 30 s = 0.5 min × 0.006 $ × 500,000 = 1,500
    assert _last_row(env)["quota"] == 1500


@pytest.mark.filterwarnings(
    "ignore:deprecated:DeprecationWarning"
)  # the SDK marks translations deprecated
def test_translation(env: RelayEnv, media: MediaMock) -> None:
    client = _setup(env, media, "whisper-1")
    env.set_option("ModelPrice", {"dall-e-3": 0.04, "dall-e-2": 0.02, "whisper-1": 0.006})
    result = client.audio.translations.create(
        model="whisper-1", file=("talk.wav", _wav(12.0), "audio/wav")
    )
    assert result.text == "hello from the mock transcription"
    assert _last_row(env)["quota"] == 600  # 0.2 min


def test_rerank_jina_shape(env: RelayEnv, media: MediaMock) -> None:
    model = unique("rerank")
    _setup(env, media, model)
    key = env.token(env.current_user, unlimited=True)  # type: ignore[attr-defined]
    documents = ["the cat sat", "dogs bark loudly", "fish swim"]
    answer = httpx.post(
        env.v1 + "/rerank",
        json={"model": model, "query": "which animal meows", "documents": documents, "top_n": 2},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200
    assert [r["index"] for r in answer.json()["results"]] == [0, 1, 2]
    assert _last_row(env)["quota"] == prompt_tokens(["which animal meows", documents])


def test_unrelayed_endpoints_answer_501(env: RelayEnv, media: MediaMock) -> None:
    client = _setup(env, media, unique("m"))
    with pytest.raises(openai.APIStatusError) as caught:
        client.files.list()
    assert caught.value.status_code == 501
    assert caught.value.body["code"] == "not_implemented"  # type: ignore[index]
    with pytest.raises(openai.APIStatusError) as batches:
        client.batches.create(
            completion_window="24h", endpoint="/v1/chat/completions", input_file_id="f"
        )
    assert batches.value.status_code == 501


def test_bad_inputs_and_upstream_failure_are_unbilled(env: RelayEnv, media: MediaMock) -> None:
    model = unique("embed")
    client = _setup(env, media, model)
    user = env.current_user  # type: ignore[attr-defined]
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model=model, input=[], extra_body={"input": None})
    media.fail_next = 500
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model=model, input="boom")
    with pytest.raises(openai.BadRequestError):
        client.audio.transcriptions.create(
            model="whisper-1",
            file=io.BytesIO(b""),
            extra_headers={"Content-Type": "application/json"},
        )  # type: ignore[arg-type]
    env.wait_for(lambda: any(r["type"] == 5 for r in env.logs(user)))
    me = env.me(user)
    assert me["used_quota"] == 0
    assert me["quota"] == 50_000_000


def test_large_upload_is_not_held_in_memory(
    env: RelayEnv, media: MediaMock, tmp_path: Path
) -> None:
    client = _setup(env, media, "whisper-1")
    env.set_option("ModelPrice", {"dall-e-3": 0.04, "dall-e-2": 0.02, "whisper-1": 0.006})
    pid = env.gateway.process.pid  # type: ignore[union-attr]

    def rss_kib() -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    big = tmp_path / "big.wav"
    big.write_bytes(_wav(0.1) + os.urandom(100 * 1024 * 1024))
    before = rss_kib()
    with big.open("rb") as handle:
        client.audio.transcriptions.create(model="whisper-1", file=("big.wav", handle, "audio/wav"))
    grew_mib = (rss_kib() - before) / 1024
    assert media.last("/v1/audio/transcriptions").files["file"] == big.stat().st_size
    assert grew_mib < 20, f"RSS grew by {grew_mib:.1f} MiB"


def test_oversized_body_gets_413_in_openai_shape(env: RelayEnv, media: MediaMock) -> None:
    _setup(env, media, unique("m"))
    key = env.token(env.current_user, unlimited=True)  # type: ignore[attr-defined]
    answer = httpx.post(
        env.v1 + "/embeddings",
        content=b'{"input": "' + b"x" * (106 * 1024 * 1024) + b'"}',
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 413
    assert jsonx.loads(answer.content)["error"]["code"] == "request_body_too_large"
