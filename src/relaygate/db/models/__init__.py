"""ORM models with new-api's table and column names, so its databases can be read."""

from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import Channel
from relaygate.db.models.checkin import Checkin
from relaygate.db.models.log import Log
from relaygate.db.models.midjourney import Midjourney
from relaygate.db.models.model_meta import ModelMeta
from relaygate.db.models.oauth import CustomOAuthProvider, UserOAuthBinding
from relaygate.db.models.option import Option
from relaygate.db.models.passkey import PasskeyCredential
from relaygate.db.models.prefill_group import PrefillGroup
from relaygate.db.models.quota_data import QuotaData, QuotaHour
from relaygate.db.models.redemption import Redemption
from relaygate.db.models.subscription import SubscriptionOrder, SubscriptionPlan, UserSubscription
from relaygate.db.models.task import Task
from relaygate.db.models.token import Token
from relaygate.db.models.topup import TopUp
from relaygate.db.models.two_fa import TwoFA, TwoFABackupCode
from relaygate.db.models.user import User
from relaygate.db.models.vendor import Vendor

__all__ = [
    "Ability",
    "Channel",
    "Checkin",
    "CustomOAuthProvider",
    "Log",
    "Midjourney",
    "ModelMeta",
    "Option",
    "PasskeyCredential",
    "PrefillGroup",
    "QuotaData",
    "QuotaHour",
    "Redemption",
    "SubscriptionOrder",
    "SubscriptionPlan",
    "Task",
    "Token",
    "TopUp",
    "TwoFA",
    "TwoFABackupCode",
    "User",
    "UserOAuthBinding",
    "UserSubscription",
    "Vendor",
]
