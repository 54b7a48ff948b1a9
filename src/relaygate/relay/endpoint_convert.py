"""OpenAI endpoint bodies converted to a vendor's dialect and its answers converted back.

A provider names the dialect it wants (``Provider.endpoint_dialect``); ``convert`` turns the
client's OpenAI request into that dialect and returns how to turn the upstream answer into
OpenAI's shape, with the usage the answer implies. The provider still builds URL and auth.

- Gemini API: ``/v1/embeddings`` → ``batchEmbedContents``; ``/v1/images/generations`` →
  Imagen ``predict`` or ``generateContent`` with ``responseModalities: [TEXT, IMAGE]`` for the
  Gemini image models; ``/v1/audio/speech`` → ``generateContent`` with ``AUDIO`` and a
  ``speechConfig``, the base64 PCM answer wrapped as WAV.
- Vertex AI: the same, except embeddings go through ``predict`` (``instances[].content``).
- Rerank: Cohere ``/v2/rerank``, SiliconFlow (``meta.tokens``), Xinference (no usage) →
  the Jina/OpenAI-compatible ``{results, usage}``.
- Seedream image edits: the multipart upload as a JSON body with data-URL images.

Gemini's own ``embedContent``/``batchEmbedContents`` ⇄ OpenAI embeddings (for Gemini clients
on other channels) live here too. Where an answer has no usage, prompt tokens are counted
offline with ``billing.tokenizer`` (new-api estimates them the same way).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from relaygate.billing.pricing import Usage
from relaygate.billing.usage import estimate_value_tokens
from relaygate.errors import BadRequest, UpstreamError
from relaygate.kit import clock, jsonx
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import EndpointDialect
from relaygate.relay.uploads import Upload

EMBEDDINGS = "/v1/embeddings"
IMAGES = "/v1/images/generations"
IMAGE_EDITS = "/v1/images/edits"
SPEECH = "/v1/audio/speech"
RERANK = "/v1/rerank"

GEMINI_VOICES = frozenset(
    [
        "zephyr",
        "puck",
        "charon",
        "kore",
        "fenrir",
        "leda",
        "orus",
        "aoede",
        "callirrhoe",
        "autonoe",
        "enceladus",
        "iapetus",
        "umbriel",
        "algieba",
        "despina",
        "erinome",
        "algenib",
        "rasalgethi",
        "laomedeia",
        "achernar",
        "alnilam",
        "schedar",
        "gacrux",
        "pulcherrima",
        "achird",
        "zubenelgenubi",
        "vindemiatrix",
        "sadachbia",
        "sadaltager",
        "sulafat",
    ]
)
DEFAULT_VOICE = "Kore"
PCM_RATE = 24_000
"""Gemini TTS answers 16-bit mono PCM at 24 kHz (``audio/L16;codec=pcm;rate=24000``)."""

ASPECT_RATIOS = {
    "256x256": "1:1",
    "512x512": "1:1",
    "1024x1024": "1:1",
    "1536x1024": "3:2",
    "1024x1536": "2:3",
    "1024x1792": "9:16",
    "1792x1024": "16:9",
}
"""OpenAI sizes → Imagen aspect ratios (new-api's table); ``"W:H"`` passes as it is."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The upstream answer in OpenAI's shape."""

    body: bytes
    content_type: str = "application/json"
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class Conversion:
    """One call's upstream body and the way back."""

    body: bytes
    answer: Callable[[bytes], Answer]
    content_type: str = "application/json"
    error_format: WireFormat = WireFormat.OPENAI_CHAT
    """The format the upstream's error bodies come in."""


def convert(
    dialect: EndpointDialect,
    path: str,
    model: str,
    payload: dict[str, Any] | None,
    upload: Upload | None = None,
) -> Conversion | None:
    """The conversion for one call, or None when the body goes as it is.

    ``payload`` is the client's JSON body with the upstream ``model`` set; ``upload`` the
    multipart one. Requests the dialect cannot express are a BadRequest.
    """
    google = dialect in (EndpointDialect.GEMINI, EndpointDialect.VERTEX)
    if google and payload is not None:
        if path == EMBEDDINGS:
            if dialect is EndpointDialect.VERTEX:
                return _vertex_embeddings(model, payload)
            return _gemini_embeddings(model, payload)
        if path == IMAGES:
            if model.startswith("imagen"):
                return _imagen(model, payload)
            return _gemini_image(model, payload)
        if path == SPEECH:
            return _gemini_speech(model, payload)
    if path == RERANK and payload is not None:
        if dialect is EndpointDialect.COHERE:
            return _cohere_rerank(model, payload)
        if dialect is EndpointDialect.SILICONFLOW:
            return Conversion(jsonx.dumps(payload), _siliconflow_rerank_answer(model, payload))
        if dialect is EndpointDialect.XINFERENCE:
            return Conversion(jsonx.dumps(payload), _xinference_rerank_answer(model, payload))
    if dialect is EndpointDialect.SEEDREAM and path == IMAGE_EDITS and upload is not None:
        return _seedream_edit(model, upload)
    return None


# -- shared helpers


def _json_answer(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = jsonx.loads(raw)
    except ValueError as exc:
        raise UpstreamError(f"{what}: the upstream answer is not JSON") from exc
    if not isinstance(value, dict):
        raise UpstreamError(f"{what}: the upstream answer is not a JSON object")
    return value


def _dump(value: Any) -> bytes:
    return jsonx.dumps(value)


def embedding_texts(value: Any) -> list[str]:
    """OpenAI's ``input`` as texts; token-id arrays cannot be sent to a text-only API."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list) and value:
        raise BadRequest(
            "this channel embeds text only; token-id arrays in 'input' are not supported",
            code="unsupported_input",
        )
    raise BadRequest("field 'input' is required", code="missing_input")


def openai_embedding_list(
    vectors: list[list[float]], model: str, encoding_format: str, usage: Usage
) -> dict[str, Any]:
    """OpenAI's embeddings answer (``base64``: little-endian float32, as OpenAI packs it)."""
    data = []
    for index, vector in enumerate(vectors):
        embedding: Any = vector
        if encoding_format == "base64":
            embedding = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": usage.prompt_tokens, "total_tokens": usage.prompt_tokens},
    }


def _floats(value: Any) -> list[float]:
    if not isinstance(value, list):
        raise UpstreamError("the upstream embedding has no values")
    return [float(v) for v in value]


# -- embeddings


def _dimensions(payload: dict[str, Any]) -> int | None:
    dimensions = wire.opt_int(payload.get("dimensions"))
    return dimensions if dimensions and dimensions > 0 else None


def _gemini_embeddings(model: str, payload: dict[str, Any]) -> Conversion:
    texts = embedding_texts(payload.get("input"))
    dimensions = _dimensions(payload)
    requests = []
    for text in texts:
        item: dict[str, Any] = {"model": f"models/{model}", "content": {"parts": [{"text": text}]}}
        if dimensions:
            item["outputDimensionality"] = dimensions
        requests.append(item)
    usage = Usage(prompt_tokens=estimate_value_tokens(texts, model))
    encoding = wire.as_str(payload.get("encoding_format")) or "float"

    def answer(raw: bytes) -> Answer:
        embeddings = _json_answer(raw, "Gemini embeddings").get("embeddings")
        if not isinstance(embeddings, list):
            raise UpstreamError("Gemini embeddings: the answer has no embeddings")
        vectors = [_floats(wire.as_dict(e).get("values")) for e in embeddings]
        return Answer(_dump(openai_embedding_list(vectors, model, encoding, usage)), usage=usage)

    return Conversion(_dump({"requests": requests}), answer, error_format=WireFormat.GEMINI)


def _vertex_embeddings(model: str, payload: dict[str, Any]) -> Conversion:
    texts = embedding_texts(payload.get("input"))
    body: dict[str, Any] = {"instances": [{"content": text} for text in texts]}
    dimensions = _dimensions(payload)
    if dimensions:
        body["parameters"] = {"outputDimensionality": dimensions}
    estimate = estimate_value_tokens(texts, model)
    encoding = wire.as_str(payload.get("encoding_format")) or "float"

    def answer(raw: bytes) -> Answer:
        predictions = _json_answer(raw, "Vertex embeddings").get("predictions")
        if not isinstance(predictions, list):
            raise UpstreamError("Vertex embeddings: the answer has no predictions")
        vectors: list[list[float]] = []
        counted = 0
        for prediction in predictions:
            embedding = wire.as_dict(wire.as_dict(prediction).get("embeddings"))
            vectors.append(_floats(embedding.get("values")))
            counted += int(wire.as_dict(embedding.get("statistics")).get("token_count") or 0)
        usage = Usage(prompt_tokens=counted or estimate)
        return Answer(_dump(openai_embedding_list(vectors, model, encoding, usage)), usage=usage)

    return Conversion(_dump(body), answer, error_format=WireFormat.GEMINI)


# -- images


def _aspect_ratio(size: str) -> str:
    size = size.strip()
    if ":" in size:
        return size
    return ASPECT_RATIOS.get(size, "1:1")


def _image_count(payload: dict[str, Any]) -> int:
    return max(1, wire.opt_int(payload.get("n")) or 1)


def _imagen(model: str, payload: dict[str, Any]) -> Conversion:
    parameters: dict[str, Any] = {
        "sampleCount": _image_count(payload),
        "aspectRatio": _aspect_ratio(wire.as_str(payload.get("size"))),
        "personGeneration": "allow_adult",
    }
    quality = wire.as_str(payload.get("quality"))
    if quality:
        parameters["imageSize"] = "2K" if quality in ("hd", "high", "2K") else "1K"
    body = {"instances": [{"prompt": wire.as_str(payload.get("prompt"))}], "parameters": parameters}

    def answer(raw: bytes) -> Answer:
        predictions = _json_answer(raw, "Imagen").get("predictions")
        images = [
            {"b64_json": p["bytesBase64Encoded"]}
            for p in predictions or []
            if isinstance(p, dict)
            and p.get("bytesBase64Encoded")
            and not p.get("raiFilteredReason")
        ]
        if not images:
            raise UpstreamError("Imagen generated no image", status_code=500, retryable=False)
        return Answer(_dump({"created": clock.now(), "data": images}))

    return Conversion(_dump(body), answer, error_format=WireFormat.GEMINI)


def _inline_parts(raw: bytes, what: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(inline data parts, text parts) of the first candidate of a generateContent answer."""
    answer = _json_answer(raw, what)
    candidates = answer.get("candidates")
    first = wire.as_dict(candidates[0]) if isinstance(candidates, list) and candidates else {}
    parts = wire.as_dict(first.get("content")).get("parts")
    inline: list[dict[str, Any]] = []
    texts: list[str] = []
    for part in parts if isinstance(parts, list) else []:
        part = wire.as_dict(part)
        data = wire.as_dict(part.get("inlineData") or part.get("inline_data"))
        if data.get("data"):
            inline.append(data)
        elif isinstance(part.get("text"), str) and not part.get("thought"):
            texts.append(part["text"])
    if not inline:
        reason = wire.as_str(first.get("finishReason")) or wire.as_str(
            wire.as_dict(answer.get("promptFeedback")).get("blockReason")
        )
        detail = f" (finish reason {reason})" if reason else ""
        raise UpstreamError(f"{what}: the answer has no inline data{detail}", retryable=False)
    return inline, texts


def _gemini_image(model: str, payload: dict[str, Any]) -> Conversion:
    if "image" not in model:
        raise BadRequest(
            f"model {model} does not generate images; use an imagen-* or Gemini image model",
            code="unsupported_model",
        )
    if _image_count(payload) > 1:
        raise BadRequest("Gemini image models return one image per call; use n=1", code="bad_n")
    config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
    size = wire.as_str(payload.get("size"))
    if size and size != "auto":
        config["imageConfig"] = {"aspectRatio": _aspect_ratio(size)}
    body = {
        "contents": [{"role": "user", "parts": [{"text": wire.as_str(payload.get("prompt"))}]}],
        "generationConfig": config,
    }

    def answer(raw: bytes) -> Answer:
        inline, texts = _inline_parts(raw, "Gemini image")
        data: list[dict[str, Any]] = [{"b64_json": part["data"]} for part in inline]
        if texts:
            data[0]["revised_prompt"] = "".join(texts)
        return Answer(_dump({"created": clock.now(), "data": data}))

    return Conversion(_dump(body), answer, error_format=WireFormat.GEMINI)


# -- speech


def _voice(name: str) -> str:
    return name[:1].upper() + name[1:].lower() if name.lower() in GEMINI_VOICES else DEFAULT_VOICE


def pcm_rate(mime_type: str) -> int:
    """The sample rate in ``audio/L16;codec=pcm;rate=24000`` (24 kHz when absent)."""
    for piece in mime_type.split(";"):
        key, _, value = piece.strip().partition("=")
        if key == "rate" and value.isdigit():
            return int(value)
    return PCM_RATE


def wav(pcm: bytes, rate: int, channels: int = 1, bits: int = 16) -> bytes:
    """A RIFF/WAVE file around little-endian PCM samples."""
    block = channels * bits // 8
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(pcm),
        b"WAVE",
        b"fmt ",
        16,
        1,
        channels,
        rate,
        rate * block,
        block,
        bits,
        b"data",
        len(pcm),
    )
    return header + pcm


def _gemini_speech(model: str, payload: dict[str, Any]) -> Conversion:
    text = wire.as_str(payload.get("input"))
    instructions = wire.as_str(payload.get("instructions"))
    if instructions:
        text = f"{instructions}: {text}"
    voice = {"prebuiltVoiceConfig": {"voiceName": _voice(wire.as_str(payload.get("voice")))}}
    body = {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "generationConfig": {
            "responseModalities": ["AUDIO"],
            "speechConfig": {"voiceConfig": voice},
        },
    }
    raw_pcm = wire.as_str(payload.get("response_format")) == "pcm"

    def answer(raw: bytes) -> Answer:
        inline, _texts = _inline_parts(raw, "Gemini speech")
        audio = inline[0]
        try:
            pcm = base64.b64decode(audio["data"])
        except ValueError as exc:
            raise UpstreamError("Gemini speech: the audio is not base64") from exc
        mime = wire.as_str(audio.get("mimeType") or audio.get("mime_type"))
        if raw_pcm:
            return Answer(pcm, content_type="audio/pcm")
        if mime.startswith(("audio/wav", "audio/x-wav")):
            return Answer(pcm, content_type="audio/wav")
        return Answer(wav(pcm, pcm_rate(mime)), content_type="audio/wav")

    return Conversion(_dump(body), answer, error_format=WireFormat.GEMINI)


# -- rerank


def _documents(payload: dict[str, Any]) -> list[Any]:
    documents = payload.get("documents")
    return list(documents) if isinstance(documents, list) else []


def _document_text(document: Any) -> str:
    if isinstance(document, str):
        return document
    if isinstance(document, dict) and isinstance(document.get("text"), str):
        return str(document["text"])
    return jsonx.dumps_str(document)


def _rerank_estimate(model: str, payload: dict[str, Any]) -> int:
    texts = [wire.as_str(payload.get("query"))] + [_document_text(d) for d in _documents(payload)]
    return max(1, estimate_value_tokens(texts, model))


def _rerank_body(results: list[dict[str, Any]], usage: Usage, model: str) -> bytes:
    return _dump(
        {
            "model": model,
            "results": results,
            "usage": {"prompt_tokens": usage.prompt_tokens, "total_tokens": usage.total_tokens},
        }
    )


def _results(
    raw_results: Any, payload: dict[str, Any], *, attach_documents: bool
) -> list[dict[str, Any]]:
    documents = _documents(payload)
    out: list[dict[str, Any]] = []
    for item in raw_results if isinstance(raw_results, list) else []:
        item = wire.as_dict(item)
        index = wire.opt_int(item.get("index"))
        if index is None:
            continue
        result: dict[str, Any] = {
            "index": index,
            "relevance_score": float(item.get("relevance_score") or 0.0),
        }
        if attach_documents:
            document = item.get("document")
            if document in (None, "") and 0 <= index < len(documents):
                document = documents[index]
            if isinstance(document, str):
                document = {"text": document}
            result["document"] = document
        out.append(result)
    return out


def _cohere_rerank(model: str, payload: dict[str, Any]) -> Conversion:
    documents = [_document_text(d) for d in _documents(payload)]
    body: dict[str, Any] = {
        "model": model,
        "query": wire.as_str(payload.get("query")),
        "documents": documents,
        "top_n": wire.opt_int(payload.get("top_n")) or len(documents),
    }
    max_tokens = wire.opt_int(payload.get("max_tokens_per_doc"))
    if max_tokens:
        body["max_tokens_per_doc"] = max_tokens
    estimate = _rerank_estimate(model, payload)
    attach = payload.get("return_documents") is True

    def answer(raw: bytes) -> Answer:
        parsed = _json_answer(raw, "Cohere rerank")
        units = wire.as_dict(wire.as_dict(parsed.get("meta")).get("billed_units"))
        prompt = int(units.get("input_tokens") or 0)
        usage = (
            Usage(prompt_tokens=prompt, completion_tokens=int(units.get("output_tokens") or 0))
            if prompt
            else Usage(prompt_tokens=estimate)
        )
        results = _results(parsed.get("results"), payload, attach_documents=attach)
        return Answer(_rerank_body(results, usage, model), usage=usage)

    return Conversion(_dump(body), answer)


def _siliconflow_rerank_answer(model: str, payload: dict[str, Any]) -> Callable[[bytes], Answer]:
    estimate = _rerank_estimate(model, payload)
    attach = payload.get("return_documents") is True

    def answer(raw: bytes) -> Answer:
        parsed = _json_answer(raw, "SiliconFlow rerank")
        tokens = wire.as_dict(wire.as_dict(parsed.get("meta")).get("tokens"))
        prompt = int(tokens.get("input_tokens") or 0)
        usage = (
            Usage(prompt_tokens=prompt, completion_tokens=int(tokens.get("output_tokens") or 0))
            if prompt
            else Usage(prompt_tokens=estimate)
        )
        results = _results(parsed.get("results"), payload, attach_documents=attach)
        return Answer(_rerank_body(results, usage, model), usage=usage)

    return answer


def _xinference_rerank_answer(model: str, payload: dict[str, Any]) -> Callable[[bytes], Answer]:
    usage = Usage(prompt_tokens=_rerank_estimate(model, payload))
    attach = payload.get("return_documents") is True

    def answer(raw: bytes) -> Answer:
        parsed = _json_answer(raw, "Xinference rerank")
        results = _results(parsed.get("results"), payload, attach_documents=attach)
        return Answer(_rerank_body(results, usage, model), usage=usage)

    return answer


# -- Seedream image edits


def _seedream_edit(model: str, upload: Upload) -> Conversion:
    images: list[str] = []
    for part in upload.files:
        if part.name in ("image", "image[]") or part.name.startswith("image["):
            part.handle.seek(0)
            data = base64.b64encode(part.handle.read()).decode()
            images.append(f"data:{part.content_type or 'image/png'};base64,{data}")
    if not images:
        raise BadRequest("field 'image' is required", code="missing_image")
    body: dict[str, Any] = {
        key: value for key, value in upload.fields.items() if key not in ("model", "n", "mask")
    }
    body["model"] = model
    body["image"] = images[0] if len(images) == 1 else images
    for key in ("seed", "guidance_scale"):
        if key in body:
            body[key] = _number(body[key])
    if "watermark" in body:
        body["watermark"] = body["watermark"].lower() == "true"
    return Conversion(_dump(body), lambda raw: Answer(raw))


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# -- Gemini embedContent / batchEmbedContents ⇄ OpenAI embeddings


def gemini_embed_texts(payload: dict[str, Any], batch: bool) -> list[str]:
    """The texts of a Gemini ``embedContent`` (one) or ``batchEmbedContents`` request."""
    items = payload.get("requests") if batch else [payload]
    if not isinstance(items, list) or not items:
        raise BadRequest("field 'requests' is required", code="missing_requests")
    texts: list[str] = []
    for item in items:
        content = wire.as_dict(wire.as_dict(item).get("content"))
        parts = content.get("parts")
        if not isinstance(parts, list) or not parts:
            raise BadRequest("each request needs content.parts", code="missing_content")
        texts.append("".join(wire.as_str(wire.as_dict(p).get("text")) for p in parts))
    return texts


def gemini_embed_to_openai(payload: dict[str, Any], batch: bool, model: str) -> dict[str, Any]:
    """An OpenAI embeddings request for a Gemini embed request."""
    texts = gemini_embed_texts(payload, batch)
    first = wire.as_dict(payload.get("requests")[0]) if batch else payload  # type: ignore[index]
    body: dict[str, Any] = {"model": model, "input": texts, "encoding_format": "float"}
    dimensions = wire.opt_int(
        first.get("outputDimensionality") or first.get("output_dimensionality")
    )
    if dimensions:
        body["dimensions"] = dimensions
    return body


def openai_embeddings_to_gemini(raw: bytes, batch: bool) -> bytes:
    """A Gemini embed answer from an OpenAI embeddings answer (float vectors)."""
    data = _json_answer(raw, "embeddings").get("data")
    if not isinstance(data, list):
        raise UpstreamError("the embeddings answer has no data")
    ordered = sorted((wire.as_dict(d) for d in data), key=lambda d: int(d.get("index") or 0))
    vectors: list[dict[str, Any]] = []
    for item in ordered:
        embedding = item.get("embedding")
        if isinstance(embedding, str):  # base64 float32
            packed = base64.b64decode(embedding)
            values: list[float] = list(struct.unpack(f"<{len(packed) // 4}f", packed))
        else:
            values = _floats(embedding)
        vectors.append({"values": values})
    if batch:
        return _dump({"embeddings": vectors})
    if not vectors:
        raise UpstreamError("the embeddings answer has no vector")
    return _dump({"embedding": vectors[0]})


def native_gemini_embed_body(payload: dict[str, Any], batch: bool, model: str) -> bytes:
    """A Gemini embed request for the upstream model (each ``requests[].model`` renamed)."""
    body = dict(payload)
    if batch:
        body["requests"] = [
            {**wire.as_dict(item), "model": f"models/{model}"} for item in payload["requests"]
        ]
    elif "model" in body:
        body["model"] = f"models/{model}"
    return _dump(body)
