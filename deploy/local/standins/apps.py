"""The stand-ins of one process, built together: seven HTTP systems and the mail server."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from standins.control import Standin
from standins.identity_provider import identity_provider_app
from standins.payment import payment_app
from standins.population import population_app
from standins.portal import portal_app
from standins.postal import postal_app
from standins.sms import sms_app
from standins.smtp import MailRecorder, mail_app
from standins.zalo import zalo_app

TITLES = {
    "sms": "sms gateway",
    "zalo": "zalo official account",
    "portal": "public service portal",
    "population": "population database",
    "mail": "mail server control",
    "identity": "identity provider (staff realm and VNeID)",
    "payment": "payment platform",
    "postal": "postal service",
    "smtp": "mail server (smtp)",
}


@dataclass
class Standins:
    """Every stand-in's app, by name, and the SMTP handler sharing the ``mail`` stand-in."""

    http: dict[str, FastAPI]
    mail: MailRecorder


def build_standins(data_dir: Path, identity_url: str, keys: Mapping[str, str]) -> Standins:
    """Fresh stand-ins: default behaviour, nothing received, the register from ``citizens.yaml``.

    The identity provider answers at ``identity_url`` and keeps its realms' keys under ``data_dir``;
    the payment platform and the postal service know intake by the merchant keys in ``keys`` and sign
    their callbacks with its callback secrets (``LIENTHONG_PAYMENT_MERCHANT_KEY``… as in ``local_keys.py``).
    """
    mail = Standin("mail server")
    return Standins(
        http={
            "sms": sms_app(),
            "zalo": zalo_app(),
            "portal": portal_app(),
            "population": population_app(),
            "mail": mail_app(mail),
            "identity": identity_provider_app(data_dir, identity_url),
            "payment": payment_app(
                merchant_key=keys["LIENTHONG_PAYMENT_MERCHANT_KEY"],
                callback_secret=keys["LIENTHONG_PAYMENT_CALLBACK_SECRET"],
            ),
            "postal": postal_app(
                merchant_key=keys["LIENTHONG_POSTAL_MERCHANT_KEY"],
                callback_secret=keys["LIENTHONG_POSTAL_CALLBACK_SECRET"],
            ),
        },
        mail=MailRecorder(mail),
    )
