"""The five stand-ins of one process, built together: four HTTP systems and the mail server."""

from dataclasses import dataclass

from fastapi import FastAPI

from standins.control import Standin
from standins.population import population_app
from standins.portal import portal_app
from standins.sms import sms_app
from standins.smtp import MailRecorder, mail_app
from standins.zalo import zalo_app

TITLES = {
    "sms": "sms gateway",
    "zalo": "zalo official account",
    "portal": "public service portal",
    "population": "population database",
    "mail": "mail server control",
    "smtp": "mail server (smtp)",
}


@dataclass
class Standins:
    """Every stand-in's app, by name, and the SMTP handler sharing the ``mail`` stand-in."""

    http: dict[str, FastAPI]
    mail: MailRecorder


def build_standins() -> Standins:
    """Fresh stand-ins: default behaviour, nothing received, the register from ``citizens.yaml``."""
    mail = Standin("mail server")
    return Standins(
        http={
            "sms": sms_app(),
            "zalo": zalo_app(),
            "portal": portal_app(),
            "population": population_app(),
            "mail": mail_app(mail),
        },
        mail=MailRecorder(mail),
    )
