"""Model names as sellers spell them, reduced to one key for price lookups.

The same model reaches the bill under many names: ``gpt-4o-2024-08-06`` (OpenAI), ``azure/gpt-4o``
(a gateway), ``us.anthropic.claude-3-5-haiku-20241022-v1:0`` (a Bedrock cross-region profile),
``claude-3-5-haiku@20241022`` (Vertex AI), ``bedrock/us-east-1/anthropic.claude-...`` (LiteLLM).
``model_key`` strips the seller's wrapping and keeps what names the model and its version;
``candidates`` lists the keys to try, most specific first, so a dated version finds its own price
where the catalog has one and the undated model's otherwise.

>>> model_key("us.anthropic.claude-3-5-haiku-20241022-v1:0")
'claude-3-5-haiku-20241022'
>>> model_key("vertex_ai/claude-3-5-haiku@20241022")
'claude-3-5-haiku-20241022'
>>> model_key("openai/GPT-4o-2024-08-06")
'gpt-4o-2024-08-06'
>>> candidates("gpt-4o-2024-08-06")
['gpt-4o-2024-08-06', 'gpt-4o']
>>> candidates("ft:gpt-4o-mini-2024-07-18:northwind::A1b2C3")
['ft:gpt-4o-mini-2024-07-18']
"""

from __future__ import annotations

import re

# Gateway and SDK prefixes: "openai/gpt-4o", "bedrock/us-east-1/anthropic.claude-..."
_PREFIX = re.compile(
    r"^(?:openai|anthropic|azure|azure_ai|bedrock|bedrock_converse|vertex_ai|vertex_ai_beta|gemini|google|"
    r"text-completion-openai|litellm_proxy)/(?:[a-z]{2}(?:-gov)?-[a-z]+-\d/)?")
# Bedrock inference profile geography and model vendor: "us.anthropic.claude-...", "meta.llama3-..."
_GEO = re.compile(r"^(?:us|eu|apac|au|jp|ca|us-gov|global)\.(?=[a-z0-9-]+\.)")
_VENDOR = re.compile(r"^(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer|twelvelabs)\.")
# Bedrock version suffixes: "-v1:0", "-v2", ":0"
_VERSION = re.compile(r"(?:-v\d+(?::\d+)?|:\d+)$")
# Dated versions: "-2024-08-06", "-20241022", "-0806" (Azure meters), "-latest", "-preview"
_DATE = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def model_key(name: str) -> str:
    """The seller-neutral key of a model name (lower case, without gateway, geography, vendor or
    Bedrock version wrapping); the date stays, so versions priced apart stay apart."""
    key = name.strip().lower()
    if key.startswith("ft:"):  # OpenAI fine-tunes: "ft:<base>:<org>:<suffix>:<id>" -> "ft:<base>"
        return "ft:" + key[3:].split(":", 1)[0]
    key = _PREFIX.sub("", key)
    key = _GEO.sub("", key)
    key = _VENDOR.sub("", key)
    key = key.replace("@", "-")
    key = _VERSION.sub("", key)
    return key


def candidates(name: str) -> list[str]:
    """Keys to look up, most specific first: the model's key, then without its date."""
    key = model_key(name)
    out = [key]
    if key.startswith("ft:"):
        return out  # a fine-tune is priced as a fine-tune or not at all, never as its base model
    undated = _DATE.sub("", key)
    if undated != key:
        out.append(undated)
    return out


_MMDD = re.compile(r"-(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")  # Azure meters: "gpt-4o-0806"
_MARKETPLACE = re.compile(r"\s*\(amazon bedrock edition\)\s*$")


def cover_key(name: str) -> str:
    """A looser key, to tell whether a bill's row and usage events are the same model: undated,
    letters and digits only, so ``Claude3.5Haiku`` (a CUR usage type), ``Claude Sonnet 4`` (a
    Marketplace product), ``gpt-4o-0806`` (an Azure meter) meet the events' model names.

    >>> cover_key("us.anthropic.claude-3-5-haiku-20241022-v1:0") == cover_key("Claude3.5Haiku")
    True
    >>> cover_key("gpt-4o-0806") == cover_key("gpt-4o-2024-08-06") == "gpt4o"
    True
    """
    key = _MARKETPLACE.sub("", name.strip().lower())
    key = candidates(key)[-1]
    key = _MMDD.sub("", key)
    return re.sub(r"[^a-z0-9]", "", key)
