"""A second institution's whole set of operator files, as an adopting university writes them.

Universidad Ejemplo del Pacífico (UEP) is made up: other campuses and numbers, other channels
(its own WhatsApp, web address and portal), its own pronunciations, and another payment
policy (four cuotas, the late fee on the 5th day at S/ 20, 90 days to be reportable, an 8%
discount with 3 business days, brackets of 8 and 14 credits, insurance on cuotas 3 and 4).
"""

from __future__ import annotations

from pathlib import Path

CAMPUSES = """\
campuses:
  arequipa:
    name: Arequipa Centro
    city: Arequipa
    number: "+5154300111"
    local: "(054) 300-111"
  lima:
    name: Lima Norte
    city: Lima
    number: "+5117770000"
    local: "(01) 777-0000"
"""

MAIN = """\
settings:
  start: inicio
  on_failure: consejeria
  after_hours: cerrado
  goodbye: adios
  contacts:
    whatsapp: '955 111 222'
    web: ayuda.uep.edu.pe
  texts:
    greeting: "Bienvenido a la Universidad Ejemplo del Pacífico, campus {campus}."
    greeting_unknown: "Bienvenido a la Universidad Ejemplo del Pacífico."
    alternatives: >-
      Puede escribirnos por WhatsApp al {whatsapp}, o entrar a {web} y abrir una solicitud en
      Portal UEP.
    sms_unsent: >-
      Lo sentimos, no pudimos enviarle el mensaje. Escríbanos por WhatsApp al {whatsapp}.
      Sigue en espera.
    statement_channels: >-
      Puede pedir su estado de cuenta en Portal UEP, opción Pagos, o por WhatsApp al
      {whatsapp}.
    apology: >-
      Lo sentimos, no podemos atenderle ahora. Escríbanos por WhatsApp al {whatsapp}.
      Gracias por llamar.
  pronunciations:
    words:
      UEP: u e pe
    addresses:
      uep: u e pe

nodes:
  inicio:
    type: menu
    title: Inicio
    options:
      1:
        label: canales de atención
        goto: canales
        speech: [canales, whatsapp]
      2:
        label: alumnos
        goto: alumnos
        speech: [alumno, alumnos, estudiante]

  canales:
    type: message
    title: Canales
    say: "Escríbanos por WhatsApp al {whatsapp}, o visite {web}."
    next: back

  alumnos:
    type: menu
    title: Alumnos
    options:
      1:
        label: soporte de sistemas
        goto: soporte
        speech: [soporte, sistemas]
      5:
        label: su estado de cuenta
        goto: cuenta
        speech: [estado de cuenta, deuda, pagos]

  soporte:
    type: transfer
    title: Soporte
    say: "Le comunicamos con soporte de sistemas."
    queue: soporte

  cuenta:
    type: selfservice
    title: Estado de cuenta
    billing_desk: caja
    next: alumnos

  caja:
    type: transfer
    title: Caja
    name: Caja
    say: "Le comunicamos con Caja."
    queue: caja

  consejeria:
    type: transfer
    title: Consejería
    say: "Le comunicamos con consejería."
    queue: consejeria
    closed: adios

  cerrado:
    type: message
    title: Cerrado
    say:
      - "{closed}"
      - "{alternatives}"
    next: back

  adios:
    type: hangup
    title: Adiós
    say:
      - "{alternatives}"
      - "Gracias por llamar."
"""

CENTRAL = """\
weekly:
  lunes-viernes:
    - {from: '08:00', until: '18:00'}
  sábado: closed
  domingo: closed
holidays:
  closed: true
"""

QUEUES = """\
defaults:
  interval: 30
callback:
  enabled: true
sms:
  from: '+5117770099'
  text: "UEP: escribanos por WhatsApp al 955 111 222 o entre a https://ayuda.uep.edu.pe/"
"""

PRICES = """\
late_fee: "20.00"
insurance_instalment: "25.00"
credit_price: "100.00"
extemporaneous_enrolment_fee: "50.00"
matricula: "300.00"
"""

TERMS = """\
terms:
  2026-2:
    enrolment_closes: 2026-08-08
    late_enrolment_closes: 2026-08-15
    midterms_start: 2026-10-05
    cuotas: [2026-09-01, 2026-10-01, 2026-11-02, 2026-12-01]
  2027-1:
    enrolment_closes: 2027-03-06
    late_enrolment_closes: 2027-03-13
    midterms_start: 2027-05-03
    cuotas: [2027-03-31, 2027-04-30, 2027-05-31, 2027-06-30]
"""

POLICY = """\
cuotas: 4
late_fee_day: 5
reportable_after_days: 90
credit_shares:
  - {up_to: 8, percent: 40}
  - {up_to: 14, percent: 80}
insured_cuotas: [3, 4]
early_payment:
  percent: 8
  business_days: 3
  excluded: [agreement]
  request: "en Portal UEP, opción Pagos, Solicitudes"
statement:
  where_to_pay: "Puede pagar en Portal UEP, opción Pagos, con tarjeta o transferencia."
  already_paid: "Si ya pagó, envíe su constancia por WhatsApp al 955 111 222."
"""

FILES = {
    "campuses.yaml": CAMPUSES,
    "menus/main.yaml": MAIN,
    "schedules/central.yaml": CENTRAL,
    "queues.yaml": QUEUES,
    "billing/prices.yaml": PRICES,
    "billing/terms.yaml": TERMS,
    "billing/policy.yaml": POLICY,
}


def write_second(folder: Path) -> Path:
    """Write the second institution's operator files into ``folder`` (created)."""
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
