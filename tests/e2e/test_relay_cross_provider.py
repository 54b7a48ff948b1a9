"""OpenAI endpoints relayed to vendors that speak other shapes, and Gemini embeddings inbound.

Each test sends through the real gateway with the official SDKs, checks the request the
vendor mock received (path, auth header, converted body) and the exact quota, worked out by
hand: the media mocks report ``5 + words`` tokens; where a vendor reports none (Gemini
embeddings, Xinference rerank) the gateway counts cl100k tokens offline, and so does the test.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from google import genai
from google.genai import types as genai_types
from tests.e2e.relay_env import RelayEnv, unique
from tests.support.mock_media import prompt_tokens
from tests.support.mock_media_vendors import PCM, PNG, VECTOR, MediaVendorMock

from relaygate.billing import tokenizer

AZURE, OLLAMA, COHERE, JINA, SILICONFLOW, VERTEX, VOLCENGINE, GEMINI, XINFERENCE = (
    3,
    4,
    34,
    38,
    40,
    41,
    45,
    24,
    47,
)
OPENAI = 1


@pytest.fixture(scope="module")
def vendors() -> Iterator[MediaVendorMock]:
    server = MediaVendorMock()
    yield server
    server.stop()


_CLIENTS: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


def _user(env: RelayEnv) -> str:
    user = env.user(quota=50_000_000)
    env.current_user = user  # type: ignore[attr-defined]
    return env.token(user, unlimited=True)


def _openai(env: RelayEnv) -> openai.OpenAI:
    client = openai.OpenAI(base_url=env.v1, api_key=_user(env), max_retries=0)
    _CLIENTS.append(client)
    return client


def _channel(
    env: RelayEnv, vendors: MediaVendorMock, model: str, kind: int, prefix: str, **extra: Any
) -> str:
    key = unique("vendor-key")
    env.channel(model, key=key, base_url=f"{vendors.url}/{prefix}", channel_type=kind, **extra)
    return key


def _rows(env: RelayEnv, count: int = 1) -> list[dict[str, Any]]:
    user = env.current_user  # type: ignore[attr-defined]
    env.wait_for(lambda: len(env.logs(user)) >= count)
    return env.logs(user)


def _quota(env: RelayEnv) -> int:
    return int(_rows(env)[0]["quota"])


def _cl100k(*texts: str) -> int:
    counted = tokenizer.count("\n".join(texts))
    assert counted is not None
    return counted


# -- rerank


def _rerank(env: RelayEnv, key: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(env.v1 + "/rerank", json=body, headers={"Authorization": f"Bearer {key}"})


DOCS = ["the cat sat", "dogs bark loudly", "fish swim"]
QUERY = "which animal meows"


@pytest.mark.parametrize(
    ("kind", "prefix", "path"),
    [
        (JINA, "jina", "/jina/v1/rerank"),
        (COHERE, "cohere", "/cohere/v2/rerank"),
        (SILICONFLOW, "sf", "/sf/v1/rerank"),
    ],
)
def test_rerank_vendors_billed_by_their_usage(
    env: RelayEnv, vendors: MediaVendorMock, kind: int, prefix: str, path: str
) -> None:
    model = unique("rerank")
    env.price(model)
    upstream_key = _channel(env, vendors, model, kind, prefix)
    key = _user(env)
    answer = _rerank(env, key, {"model": model, "query": QUERY, "documents": DOCS, "top_n": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["index"] for r in body["results"]][:2] == [0, 1]
    sent = vendors.last(path)
    assert sent.headers["Authorization"] == f"Bearer {upstream_key}"
    assert sent.json is not None and sent.json["documents"] == DOCS
    if kind == COHERE:
        assert sent.json == {"model": model, "query": QUERY, "documents": DOCS, "top_n": 2}
        assert len(body["results"]) == 2
    # every vendor reports 5 + words: 5 + 3 + 3 + 3 + 2 = 16 tokens at ratio 1
    assert prompt_tokens([QUERY, DOCS]) == 16
    assert body["usage"]["total_tokens"] == 16
    assert _quota(env) == 16


def test_rerank_xinference_counts_tokens_offline(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("rerank")
    env.price(model, ratio=2)
    _channel(env, vendors, model, XINFERENCE, "xinference")
    key = _user(env)
    answer = _rerank(
        env, key, {"model": model, "query": QUERY, "documents": DOCS, "return_documents": True}
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["document"] for r in results] == [{"text": d} for d in DOCS]
    tokens = _cl100k(QUERY, *DOCS)
    assert answer.json()["usage"]["prompt_tokens"] == tokens
    assert _quota(env) == tokens * 2


def test_rerank_vendor_error_keeps_status_in_openai_shape(
    env: RelayEnv, vendors: MediaVendorMock
) -> None:
    model = unique("rerank")
    env.price(model)
    _channel(env, vendors, model, COHERE, "cohere")
    key = _user(env)
    vendors.fail_next = (429, "cohere")
    answer = _rerank(env, key, {"model": model, "query": QUERY, "documents": DOCS})
    assert answer.status_code == 429
    assert answer.json()["error"]["message"] == "mock 429"
    user = env.current_user  # type: ignore[attr-defined]
    env.wait_for(lambda: any(r["type"] == 5 for r in env.logs(user)))
    assert env.me(user)["used_quota"] == 0


# -- embeddings


def test_embeddings_to_gemini_channel(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("gemini-embedding")
    env.price(model, ratio=0.5)
    upstream_key = _channel(env, vendors, model, GEMINI, "gemini")
    client = _openai(env)
    result = client.embeddings.create(model=model, input=["one two", "three"], dimensions=2)
    assert [d.embedding for d in result.data] == [VECTOR[:2]] * 2
    sent = vendors.last(f"/gemini/v1beta/models/{model}:batchEmbedContents")
    assert sent.headers["x-goog-api-key"] == upstream_key
    assert sent.json == {
        "requests": [
            {
                "model": f"models/{model}",
                "content": {"parts": [{"text": "one two"}]},
                "outputDimensionality": 2,
            },
            {
                "model": f"models/{model}",
                "content": {"parts": [{"text": "three"}]},
                "outputDimensionality": 2,
            },
        ]
    }
    tokens = _cl100k("one two", "three")  # "one", " two", "\n", "three"
    assert result.usage.prompt_tokens == tokens == 4
    assert _quota(env) == 2  # 4 × 0.5
    packed = client.embeddings.create(model=model, input="one", encoding_format="base64")
    raw = base64.b64decode(packed.data[0].embedding)  # type: ignore[arg-type]
    assert struct.unpack("<3f", raw) == tuple(VECTOR)
    vendors.fail_next = (400, "gemini")
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model=model, input="boom")
    assert caught.value.status_code == 400
    assert caught.value.body["message"] == "mock 400"  # type: ignore[index]


def test_embeddings_to_vertex_express_mode(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("text-embedding")
    env.price(model)
    upstream_key = _channel(env, vendors, model, VERTEX, "vertex")
    client = _openai(env)
    result = client.embeddings.create(model=model, input=["one two", "three"])
    assert len(result.data) == 2
    sent = vendors.last(f"/vertex/v1/publishers/google/models/{model}:predict")
    assert sent.fields["key"] == upstream_key
    assert sent.json == {"instances": [{"content": "one two"}, {"content": "three"}]}
    # Vertex reports token_count per instance: (5 + 2) + (5 + 1)
    assert _quota(env) == 13


def test_embeddings_to_azure_and_volcengine(env: RelayEnv, vendors: MediaVendorMock) -> None:
    azure_model = unique("text-embedding-3.small")
    volc_model = unique("doubao-embedding")
    env.price(azure_model, volc_model)
    azure_key = _channel(env, vendors, azure_model, AZURE, "azure")
    _channel(env, vendors, volc_model, VOLCENGINE, "volc")
    client = _openai(env)
    client.embeddings.create(model=azure_model, input="one two three")
    sent = vendors.last(f"/azure/openai/deployments/{azure_model}/embeddings")
    assert sent.headers["api-key"] == azure_key
    assert "Authorization" not in sent.headers
    assert sent.fields["deployment"] == azure_model  # dots kept: a channel created today
    assert sent.fields["api-version"] == "2024-10-21"
    assert _quota(env) == 8
    client.embeddings.create(model=volc_model, input="one")
    assert vendors.last("/volc/api/v3/embeddings").json["model"] == volc_model  # type: ignore[index]
    assert _rows(env, 2)[0]["quota"] == 6


# -- images


def test_images_to_azure_deployment(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("gpt-image")
    env.price(model)
    env.set_option("ModelPrice", {model: 0.04})
    key = _channel(env, vendors, model, AZURE, "azure")
    client = _openai(env)
    images = client.images.generate(model=model, prompt="a lighthouse", n=2, size="1024x1024")
    assert len(images.data) == 2
    sent = vendors.last(f"/azure/openai/deployments/{model}/images/generations")
    assert sent.headers["api-key"] == key
    assert sent.json == {"model": model, "prompt": "a lighthouse", "n": 2, "size": "1024x1024"}
    assert _quota(env) == 40_000  # 0.04 $ × 500,000 × 2 images


def test_imagen_and_gemini_image_models(env: RelayEnv, vendors: MediaVendorMock) -> None:
    imagen = unique("imagen")
    flash = unique("gemini-flash-image")
    env.price(imagen, flash)
    env.set_option("ModelPrice", {imagen: 0.03, flash: 0.039})
    _channel(env, vendors, f"{imagen},{flash}", GEMINI, "gemini")
    client = _openai(env)
    result = client.images.generate(
        model=imagen, prompt="a fox", n=2, size="1792x1024", quality="hd"
    )
    assert [base64.b64decode(d.b64_json or "") for d in result.data] == [PNG, PNG]
    assert vendors.last(f"/gemini/v1beta/models/{imagen}:predict").json == {
        "instances": [{"prompt": "a fox"}],
        "parameters": {
            "sampleCount": 2,
            "aspectRatio": "16:9",
            "personGeneration": "allow_adult",
            "imageSize": "2K",
        },
    }
    assert _quota(env) == 30_000  # 0.03 × 500,000 × 2
    single = client.images.generate(model=flash, prompt="a fox", size="1024x1536")
    assert base64.b64decode(single.data[0].b64_json or "") == PNG
    assert single.data[0].revised_prompt == "Here is your image."
    sent = vendors.last(f"/gemini/v1beta/models/{flash}:generateContent").json
    assert sent == {
        "contents": [{"role": "user", "parts": [{"text": "a fox"}]}],
        "generationConfig": {
            "responseModalities": ["TEXT", "IMAGE"],
            "imageConfig": {"aspectRatio": "2:3"},
        },
    }
    assert _rows(env, 2)[0]["quota"] == 19_500  # 0.039 × 500,000
    with pytest.raises(openai.BadRequestError):
        client.images.generate(model=flash, prompt="two foxes", n=2)


def test_seedream_generation_and_edit(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("doubao-seedream")
    env.price(model)
    env.set_option("ModelPrice", {model: 0.03})
    key = _channel(env, vendors, model, VOLCENGINE, "volc")
    client = _openai(env)
    client.images.generate(model=model, prompt="a red kite", size="2K")
    sent = vendors.last("/volc/api/v3/images/generations")
    assert sent.headers["Authorization"] == f"Bearer {key}"
    assert sent.json == {"model": model, "prompt": "a red kite", "size": "2K"}
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
    client.images.edit(model=model, image=("in.png", png, "image/png"), prompt="add a moon")
    edit = vendors.last("/volc/api/v3/images/generations").json
    assert edit is not None
    assert edit["image"] == "data:image/png;base64," + base64.b64encode(png).decode()
    assert edit["prompt"] == "add a moon" and edit["model"] == model
    rows = _rows(env, 2)
    assert [r["quota"] for r in rows[:2]] == [15_000, 15_000]


# -- audio


def test_speech_and_transcription_to_azure(env: RelayEnv, vendors: MediaVendorMock) -> None:
    tts = unique("tts")
    whisper = unique("whisper")
    env.price(tts, ratio=2)
    env.price(whisper)
    env.set_option("ModelPrice", {whisper: 0.006})
    key = _channel(env, vendors, f"{tts},{whisper}", AZURE, "azure")
    client = _openai(env)
    text = "Hello there, this is speech."
    with client.audio.speech.with_streaming_response.create(
        model=tts, voice="alloy", input=text
    ) as answer:
        audio = b"".join(answer.iter_bytes())
    assert len(audio) == 8 * 4096
    sent = vendors.last(f"/azure/openai/deployments/{tts}/audio/speech")
    assert sent.headers["api-key"] == key
    assert _quota(env) == len(text) * 2
    rate = 8000
    pcm = b"\x00\x00" * rate * 30
    wav = (
        b"RIFF"
        + struct.pack("<I", 36 + len(pcm))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", len(pcm))
        + pcm
    )
    result = client.audio.transcriptions.create(model=whisper, file=("a.wav", wav, "audio/wav"))
    assert result.text == "hello from the mock transcription"
    assert vendors.last(f"/azure/openai/deployments/{whisper}/audio/transcriptions").files == {
        "file": len(wav)
    }
    assert _rows(env, 2)[0]["quota"] == 1500  # 0.5 min × 0.006 $ × 500,000


def test_gemini_tts_answers_wav(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("gemini-flash-tts")
    env.price(model)
    _channel(env, vendors, model, GEMINI, "gemini")
    client = _openai(env)
    text = "Say hello"
    with client.audio.speech.with_streaming_response.create(
        model=model, voice="puck", input=text
    ) as answer:
        assert answer.headers["content-type"] == "audio/wav"
        audio = b"".join(answer.iter_bytes())
    assert audio[:4] == b"RIFF" and audio[8:16] == b"WAVEfmt "
    channels, rate, bits = struct.unpack("<HI", audio[22:28]) + struct.unpack("<H", audio[34:36])
    assert (channels, rate, bits) == (1, 24_000, 16)
    assert audio[44:] == PCM
    config = vendors.last(f"/gemini/v1beta/models/{model}:generateContent").json
    assert config is not None
    assert config["generationConfig"] == {
        "responseModalities": ["AUDIO"],
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}},
    }
    assert _quota(env) == len(text)


# -- Gemini clients: embedContent / batchEmbedContents


def _genai(env: RelayEnv) -> tuple[genai.Client, str]:
    options = genai_types.HttpOptions(
        base_url=env.gateway.url,
        api_version="v1beta",
        retry_options=genai_types.HttpRetryOptions(attempts=1),
    )
    key = _user(env)
    client = genai.Client(api_key=key, http_options=options)
    _CLIENTS.append(client)
    return client, key


def test_gemini_embed_through_gemini_channel(env: RelayEnv, vendors: MediaVendorMock) -> None:
    # google-genai folds a list into one multi-part request for gemini-embedding-* names
    model = unique("text-embedding")
    upstream = unique("text-embedding")
    env.price(model)
    _channel(env, vendors, model, GEMINI, "gemini", model_mapping={model: upstream})
    client, key = _genai(env)
    result = client.models.embed_content(model=model, contents=["one two", "three"])
    assert [e.values for e in result.embeddings or []] == [VECTOR, VECTOR]
    sent = vendors.last(f"/gemini/v1beta/models/{upstream}:batchEmbedContents").json
    assert sent is not None
    assert [r["model"] for r in sent["requests"]] == [f"models/{upstream}"] * 2
    assert _quota(env) == _cl100k("one two", "three") == 4
    single = httpx.post(
        f"{env.gateway.url}/v1beta/models/{model}:embedContent",
        json={"content": {"parts": [{"text": "hello world"}]}},
        headers={"x-goog-api-key": key},
    )
    assert single.status_code == 200
    assert single.json() == {"embedding": {"values": VECTOR}}
    assert _rows(env, 2)[0]["quota"] == 2  # "hello world"
    vendors.fail_next = (400, "gemini")
    failed = httpx.post(
        f"{env.gateway.url}/v1beta/models/{model}:embedContent",
        json={"content": {"parts": [{"text": "boom"}]}},
        headers={"x-goog-api-key": key},
    )
    assert failed.status_code == 400
    assert failed.json()["error"]["message"] == "mock 400"


def test_gemini_embed_through_openai_channel(env: RelayEnv, vendors: MediaVendorMock) -> None:
    model = unique("embed")
    env.price(model)
    env.channel(model, base_url=vendors.media.url, channel_type=OPENAI)
    client, _key = _genai(env)
    result = client.models.embed_content(
        model=model,
        contents=["one two", "three"],
        config=genai_types.EmbedContentConfig(output_dimensionality=3),
    )
    assert [e.values for e in result.embeddings or []] == [VECTOR, VECTOR]
    sent = vendors.last("/v1/embeddings").json
    assert sent == {
        "model": model,
        "input": ["one two", "three"],
        "encoding_format": "float",
        "dimensions": 3,
    }
    assert _quota(env) == prompt_tokens(["one two", "three"])  # the mock's usage: 5 + 3
    vendors.media.fail_next = 503
    with pytest.raises(genai.errors.ServerError) as caught:
        client.models.embed_content(model=model, contents="boom")
    assert caught.value.code == 503
