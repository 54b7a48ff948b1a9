"""Option defaults. Keys and value formats are new-api's, so exported option sets load unchanged.

Ratios: 1 = $2 per 1M prompt tokens (so ratio = $ per 1M input / 2); completion ratio =
output price / input price. Figures are the vendors' public list prices.
"""

from __future__ import annotations

from typing import Final

from relaygate.kit import jsonx

DEFAULT_MODEL_RATIO: Final[dict[str, float]] = {
    "gpt-3.5-turbo": 0.25,
    "gpt-4": 15,
    "gpt-4-turbo": 5,
    "gpt-4o": 1.25,
    "gpt-4o-mini": 0.075,
    "gpt-4.1": 1,
    "gpt-4.1-mini": 0.2,
    "gpt-4.1-nano": 0.05,
    "gpt-5": 0.625,
    "gpt-5-mini": 0.125,
    "gpt-5-nano": 0.025,
    "o1": 7.5,
    "o3": 1,
    "o3-mini": 0.55,
    "o4-mini": 0.55,
    "text-embedding-3-small": 0.01,
    "text-embedding-3-large": 0.065,
    "text-embedding-ada-002": 0.05,
    "claude-3-5-haiku-20241022": 0.4,
    "claude-3-5-sonnet-20241022": 1.5,
    "claude-3-7-sonnet-20250219": 1.5,
    "claude-sonnet-4-20250514": 1.5,
    "claude-sonnet-4-5-20250929": 1.5,
    "claude-opus-4-20250514": 7.5,
    "claude-opus-4-1-20250805": 7.5,
    "claude-haiku-4-5-20251001": 0.5,
    "gemini-2.0-flash": 0.05,
    "gemini-2.5-flash": 0.15,
    "gemini-2.5-flash-lite": 0.05,
    "gemini-2.5-pro": 0.625,
    "deepseek-chat": 0.135,
    "deepseek-reasoner": 0.275,
    "tts-1": 7.5,
    "tts-1-hd": 15,
    "gpt-4o-mini-tts": 0.3,
    "text-moderation-latest": 0.1,
    "text-moderation-stable": 0.1,
    "omni-moderation-latest": 0.1,
    "gpt-3.5-turbo-instruct": 0.75,
    "davinci-002": 1,
    "babbage-002": 0.2,
}

DEFAULT_MODEL_PRICE: Final[dict[str, float]] = {
    "dall-e-2": 0.02,
    "dall-e-3": 0.04,
    "whisper-1": 0.006,
}
"""Fixed prices in $: per image for image models, per minute of audio for transcription."""

DEFAULT_COMPLETION_RATIO: Final[dict[str, float]] = {
    "gpt-3.5-turbo": 3,
    "gpt-4": 2,
    "gpt-4-turbo": 3,
    "gpt-4o": 4,
    "gpt-4o-mini": 4,
    "gpt-4.1": 4,
    "gpt-4.1-mini": 4,
    "gpt-4.1-nano": 4,
    "gpt-5": 8,
    "gpt-5-mini": 8,
    "gpt-5-nano": 8,
    "o1": 4,
    "o3": 4,
    "o3-mini": 4,
    "o4-mini": 4,
    "claude-3-5-haiku-20241022": 5,
    "claude-3-5-sonnet-20241022": 5,
    "claude-3-7-sonnet-20250219": 5,
    "claude-sonnet-4-20250514": 5,
    "claude-sonnet-4-5-20250929": 5,
    "claude-opus-4-20250514": 5,
    "claude-opus-4-1-20250805": 5,
    "claude-haiku-4-5-20251001": 5,
    "gemini-2.0-flash": 4,
    "gemini-2.5-flash": 8.3333,
    "gemini-2.5-flash-lite": 4,
    "gemini-2.5-pro": 8,
    "deepseek-chat": 4,
    "deepseek-reasoner": 4,
}

DEFAULT_CACHE_RATIO: Final[dict[str, float]] = {
    "gpt-4o": 0.5,
    "gpt-4o-mini": 0.5,
    "gpt-4.1": 0.25,
    "gpt-4.1-mini": 0.25,
    "gpt-4.1-nano": 0.25,
    "gpt-5": 0.1,
    "gpt-5-mini": 0.1,
    "gpt-5-nano": 0.1,
    "o3": 0.25,
    "o4-mini": 0.25,
    "claude-3-5-haiku-20241022": 0.1,
    "claude-3-5-sonnet-20241022": 0.1,
    "claude-3-7-sonnet-20250219": 0.1,
    "claude-sonnet-4-20250514": 0.1,
    "claude-sonnet-4-5-20250929": 0.1,
    "claude-opus-4-20250514": 0.1,
    "claude-opus-4-1-20250805": 0.1,
    "claude-haiku-4-5-20251001": 0.1,
    "gemini-2.5-flash": 0.25,
    "gemini-2.5-pro": 0.25,
    "deepseek-chat": 0.1,
    "deepseek-reasoner": 0.1,
}

DEFAULT_CACHE_CREATION_RATIO = 1.25
"""Claude's 5-minute cache write costs 1.25 × the input price."""

DEFAULT_GROUP_RATIO: Final[dict[str, float]] = {"default": 1, "vip": 1, "svip": 1}

DEFAULT_AUDIO_RATIO: Final[dict[str, float]] = {
    "gpt-4o-audio-preview": 16,
    "gpt-4o-mini-audio-preview": 66.67,
    "gpt-4o-realtime-preview": 8,
    "gpt-4o-mini-realtime-preview": 16.67,
    "gpt-4o-mini-tts": 25,
}
"""Audio input tokens cost this many text input tokens (new-api defaultAudioRatio; 1 if absent)."""

DEFAULT_AUDIO_COMPLETION_RATIO: Final[dict[str, float]] = {
    "gpt-4o-realtime": 2,
    "gpt-4o-mini-realtime": 2,
    "gpt-4o-mini-tts": 1,
    "tts-1": 0,
    "tts-1-hd": 0,
    "tts-1-1106": 0,
    "tts-1-hd-1106": 0,
}
"""Audio output tokens cost this many audio input tokens (new-api defaultAudioCompletionRatio)."""

DEFAULT_OPTIONS: Final[dict[str, str]] = {
    "ModelRatio": jsonx.dumps_str(DEFAULT_MODEL_RATIO),
    "CompletionRatio": jsonx.dumps_str(DEFAULT_COMPLETION_RATIO),
    "CacheRatio": jsonx.dumps_str(DEFAULT_CACHE_RATIO),
    "CreateCacheRatio": "{}",
    "AudioRatio": jsonx.dumps_str(DEFAULT_AUDIO_RATIO),
    "AudioCompletionRatio": jsonx.dumps_str(DEFAULT_AUDIO_COMPLETION_RATIO),
    "ModelPrice": jsonx.dumps_str(DEFAULT_MODEL_PRICE),
    "GroupRatio": jsonx.dumps_str(DEFAULT_GROUP_RATIO),
    "UserUsableGroups": jsonx.dumps_str({"default": "默认分组", "vip": "vip分组"}),
    "AutoGroups": jsonx.dumps_str(["default"]),
    "DefaultUseAutoGroup": "false",
    "token_setting.max_user_tokens": "1000",
    "RetryTimes": "0",
    "AutomaticDisableChannelEnabled": "false",
    "AutomaticEnableChannelEnabled": "false",
    "AutomaticDisableKeywords": "",
    "ChannelDisableThreshold": "5",
    "QuotaPerUnit": "500000",
    "DisplayInCurrencyEnabled": "true",
    "QuotaDisplayType": "USD",
    "USDExchangeRate": "7.3",
    "QuotaForNewUser": "0",
    "QuotaForInviter": "0",
    "QuotaForInvitee": "0",
    "PreConsumedQuota": "500",
    "QuotaRemindThreshold": "1000",
    "DefaultCompletionReserveTokens": "1024",
    "LogConsumeEnabled": "true",
    "SystemName": "relaygate",
    "Logo": "",
    "Footer": "",
    "Notice": "",
    "About": "",
    "HomePageContent": "",
    "ServerAddress": "",
    "TopUpLink": "",
    "ChatLink": "",
    "RegisterEnabled": "true",
    "PasswordLoginEnabled": "true",
    "PasswordRegisterEnabled": "true",
    "EmailVerificationEnabled": "false",
    "GitHubOAuthEnabled": "false",
    "TurnstileCheckEnabled": "false",
    "SelfUseModeEnabled": "false",
    "DemoSiteEnabled": "false",
    "DataExportEnabled": "true",
    "DataExportDefaultTime": "hour",
    "DefaultCollapseSidebar": "false",
    "MjNotifyEnabled": "false",
    "SMTPServer": "",
    "SMTPPort": "587",
    "SMTPAccount": "",
    "SMTPFrom": "",
    "SMTPToken": "",
    "SMTPSSLEnabled": "false",
    "EmailDomainRestrictionEnabled": "false",
    "EmailDomainWhitelist": "gmail.com,163.com,126.com,qq.com,outlook.com,hotmail.com,icloud.com,yahoo.com,foxmail.com",
    "EmailAliasRestrictionEnabled": "false",
    "TurnstileSiteKey": "",
    "TurnstileSecretKey": "",
    "checkin_setting.enabled": "false",
    "checkin_setting.min_quota": "1000",
    "checkin_setting.max_quota": "10000",
    # Payments (new-api operation_setting / setting.payment_*); secrets are root-only.
    "PayAddress": "",
    "CustomCallbackAddress": "",
    "EpayId": "",
    "EpayKey": "",
    "Price": "7.3",
    "MinTopUp": "1",
    "PayMethods": jsonx.dumps_str(
        [
            {"name": "支付宝", "color": "rgba(var(--semi-blue-5), 1)", "type": "alipay"},
            {"name": "微信", "color": "rgba(var(--semi-green-5), 1)", "type": "wxpay"},
        ]
    ),
    "payment_setting.amount_options": "[10,20,50,100,200,500]",
    "payment_setting.amount_discount": "{}",
    "StripeApiSecret": "",
    "StripeWebhookSecret": "",
    "StripePriceId": "",
    "StripeUnitPrice": "8.0",
    "StripeMinTopUp": "1",
    "StripePromotionCodesEnabled": "false",
    "CreemApiKey": "",
    "CreemProducts": "[]",
    "CreemTestMode": "false",
    "CreemWebhookSecret": "",
    # Catalog and public pages: /api/ratio_config, the pricing nav module, legal texts.
    "ExposeRatioEnabled": "false",
    "HeaderNavModules": "",
    "legal.user_agreement": "",
    "legal.privacy_policy": "",
}
"""Every option relaygate reads, with new-api's default value text."""

SECRET_OPTION_SUFFIXES: Final[tuple[str, ...]] = ("Secret", "Token", "Key", "Password")
"""Options whose values only root may read (new-api hides keys ending so)."""
