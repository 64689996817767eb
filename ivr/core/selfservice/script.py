"""What a verified caller hears about their account, sentence by sentence, in Spanish.

Four scripts, each a tuple of sentences for the phone layer to read (one ``<Say>`` each, or
joined): ``summary`` (what is overdue and by when to pay it, the next cuota, the total),
``notes`` (after the options: what debt blocks, where to pay, what to do if already paid),
``detail`` (each unpaid obligation) and ``early_payment`` (the discount, or why it does not
apply, said generically). Pure: they read a ``Statement`` and the policy's
numbers and wording (``FeePolicy``, from billing/policy.yaml) and nothing else.
The phone layer joins them into as few ``<Say>``s as ``ivr.core.say`` allows.
"""

from __future__ import annotations

from datetime import date, timedelta

from ivr.core.fees.model import FeePolicy
from ivr.core.fees.statement import Obligation, Statement
from ivr.core.spoken import date_words, money_words, number_words, term_words

_INELIGIBLE = frozenset({"not_regular_tariff", "agreement", "other_benefit", "staff_or_family"})


def summary(statement: Statement, policy: FeePolicy) -> tuple[str, ...]:
    """Return what is overdue and by when to pay it, then the next cuota, then the total.

    The short part a caller hears before the statement's options: at most about 70 words.
    What follows the options is in ``notes``.
    """
    if statement.balance == 0:
        if statement.credit:
            return (
                "No tiene deuda pendiente, y tiene un saldo a favor de "
                f"{money_words(statement.credit)}.",
            )
        return ("No tiene deuda pendiente.",)
    sentences: list[str] = []
    if statement.overdue:
        fees = _overdue_fees(statement, policy)
        # policy 5.9.2: the late fees are part of what is overdue
        with_fees = f", incluidos {money_words(fees)} de gastos administrativos" if fees else ""
        sentences.append(f"Tiene {money_words(statement.overdue)} vencidos{with_fees}.")
        sentences.append(_pay_by(statement, policy))
    else:
        sentences.append("No tiene montos vencidos.")
    next_due = statement.next_due
    if next_due is not None:
        # its date tells the terms apart: the cuota by cuota detail names them
        when = _due_phrase(statement, next_due.date)
        if next_due.concept == "cuota" and next_due.cuota is not None:
            what = f"Su próxima cuota, la {number_words(next_due.cuota)},"
        else:
            what = f"Su próximo pago, {_article_label(next_due.concept)},"
        sentences.append(f"{what} {when}, por {money_words(next_due.amount)}.")
    if statement.overdue or next_due is None or next_due.amount != statement.balance:
        sentences.append(f"En total, debe {money_words(statement.balance)}.")
    return tuple(sentences)


def notes(statement: Statement, policy: FeePolicy) -> tuple[str, ...]:
    """Return what follows the statement's options: what overdue debt blocks, where to pay,
    and what to do if the caller already paid (the institution's words, billing/policy.yaml)."""
    sentences: list[str] = []
    if statement.certificates_blocked:
        # policy 5.1.4
        sentences.append("Mientras tenga deuda vencida, no podrá obtener certificados de estudios.")
    if not statement.can_enroll:
        # policy 5.3.1 a
        sentences.append("Para matricularse debe estar al día en sus pagos.")
    if statement.balance:
        sentences += [t for t in (policy.texts.where_to_pay, policy.texts.already_paid) if t]
    return tuple(sentences)


def _overdue_fees(statement: Statement, policy: FeePolicy) -> int:
    """Return the unpaid late fees already past their own due day (policy 5.9.2: the 8th day)."""
    return sum(
        o.late_fee_outstanding
        for o in statement.obligations
        if o.late_fee_outstanding and o.due + timedelta(days=policy.late_fee_day) < statement.as_of
    )


def _pay_by(statement: Statement, policy: FeePolicy) -> str:
    """Say by when to pay what is overdue: the nearer of the day a cuota's late fee falls due
    (policy 5.9.2) and the day the debt may be reported (policy 5.1.3); or that it may be."""
    days = number_words(policy.reportable_after_days, "masculine")
    if statement.reportable:
        # policy 5.1.3
        return (
            f"Tiene deuda vencida hace más de {days} días, que puede ser reportada a las "
            "centrales de riesgo."
        )
    # policy 5.1.3: reportable once an unpaid amount is more than that many days past due
    oldest = max(o.days_overdue for o in statement.overdue_obligations)
    report = statement.as_of + timedelta(days=policy.reportable_after_days - oldest)
    # policy 5.9.2: a cuota not fully paid by the day before its late fee carries the fee
    fees = sorted(
        (o.due + timedelta(days=policy.late_fee_day - 1), o.cuota)
        for o in statement.overdue_obligations
        if o.concept == "cuota" and o.cuota is not None and not o.late_fee
    )
    if fees and fees[0][0] < report:
        last, cuota = fees[0]
        return (
            f"Si paga la cuota {number_words(cuota)} hasta el {_date(statement, last)}, evita "
            "los gastos administrativos."
        )
    return (
        f"Páguelo hasta el {_date(statement, report)} para evitar el reporte a centrales de riesgo."
    )


def detail(statement: Statement, policy: FeePolicy) -> tuple[str, ...]:
    """Return one sentence per obligation still unpaid, term by term."""
    del policy  # the detail says amounts and dates only: nothing of the policy's wording
    owing = [t for t in _term_order(statement) if _term_owes(statement, t)]
    if not owing:
        return tuple(["No tiene cuotas ni pagos pendientes."])
    sentences: list[str] = []
    for term in owing:
        if len(owing) > 1:
            sentences.append(f"Ciclo {term_words(term)}.")
        for obligation in statement.obligations:
            if obligation.term == term and obligation.outstanding:
                sentences.append(_obligation_sentence(statement, obligation))
    return tuple(sentences)


def early_payment(statement: Statement, policy: FeePolicy) -> tuple[str, ...]:
    """Return how the early-payment discount stands and how to request it (policy 5.2.2)."""
    status = statement.early_payment_status
    quote = statement.early_payment_quote
    rules = policy.early_payment
    days = _business_days(rules.business_days)
    if status == "available" and quote is not None:
        return (
            # policy 5.2.2 a, c: requested through the institution's channel before cuota 1
            # falls due
            "El descuento por pronto pago es del "
            f"{number_words(rules.percent, 'masculine')} por ciento de las cuotas y se "
            f"solicita {rules.request}, hasta el {_date(statement, quote.deadline)}.",
            # policy 5.2.2 d: once granted, two business days to pay the whole cycle
            f"Cuando se le aprueba, tiene {days} para pagar todas las cuotas del ciclo "
            f"{term_words(quote.term)}: pagaría {money_words(quote.amount)}, con un descuento "
            f"de {money_words(quote.discount)}.",
            # policy 5.2.2 b
            "No se aplica a la matrícula, al seguro ni a los gastos administrativos.",
        )
    if status == "granted" and quote is not None:
        return (
            # policy 5.2.2 d
            f"Tiene aprobado el descuento por pronto pago del ciclo {term_words(quote.term)}. "
            f"Para conservarlo, pague {money_words(quote.amount)} por todas las cuotas hasta el "
            f"{_date(statement, quote.deadline)}; si no, vuelve la tarifa regular.",
        )
    if status == "applied":
        discount = sum(o.discount for o in statement.obligations)
        return (
            "Ya tiene aplicado el descuento por pronto pago, de "
            f"{money_words(discount)}, en sus cuotas.",
        )
    if status == "lapsed":
        return (
            # policy 5.2.2 d: the regular tariff returns; it may be requested again
            "El descuento por pronto pago que se le aprobó ya no aplica, porque el ciclo no se "
            f"pagó completo en {_the(days)} siguientes: sus cuotas vuelven a la tarifa "
            "regular. Puede solicitarlo de nuevo antes de que termine la matrícula.",
        )
    if status == "deadline_passed":
        return (
            "El descuento por pronto pago ya no está disponible para este ciclo: se solicita y "
            "se paga antes del vencimiento de la primera cuota.",
        )
    if status in _INELIGIBLE:
        # said generically: the caller hears the rule, not which of their conditions failed
        return (
            "El descuento por pronto pago no aplica en su caso. Es solo para estudiantes "
            "con tarifa regular, sin convenio ni otro beneficio.",
        )
    return ("No tiene un ciclo por pagar en el que pueda aplicarse el descuento por pronto pago.",)


def _business_days(count: int) -> str:
    """Say "dos días hábiles", "un día hábil"."""
    return "un día hábil" if count == 1 else f"{number_words(count, 'masculine')} días hábiles"


def _the(days: str) -> str:
    """Put the article before a count of days: "los dos días hábiles", "el día hábil"."""
    return "el día hábil" if days == "un día hábil" else f"los {days}"


def _obligation_sentence(statement: Statement, o: Obligation) -> str:
    label = _label(o)
    if o.status == "paid":
        return f"{label}: pagado." if o.concept == "matricula_extemporanea" else f"{label}: pagada."
    fee = o.late_fee_outstanding
    if o.status == "overdue":
        days = (
            "un día" if o.days_overdue == 1 else f"{number_words(o.days_overdue, 'masculine')} días"
        )
        since = f"vencida el {_date(statement, o.due)}, hace {days}"
        if o.outstanding == fee:
            return (
                f"{label}: pagada fuera de plazo; debe {money_words(fee)} de gastos "
                "administrativos."
            )
        owed = f"debe {money_words(o.outstanding)}"
        if fee:
            owed += f", incluidos {money_words(fee)} de gastos administrativos"
        return f"{label}: {since}. {owed.capitalize()}."
    parts = [f"{label}: {money_words(o.amount)}"]
    if o.insurance:
        parts.append(f"incluye {money_words(o.insurance)} de seguro")
    if o.paid:
        parts.append(f"ya pagó {money_words(o.paid)} y le faltan {money_words(o.outstanding)}")
    return f"{', '.join(parts)}; {_due_phrase(statement, o.due)}."


def _label(o: Obligation) -> str:
    if o.concept == "cuota" and o.cuota is not None:
        return f"Cuota {number_words(o.cuota)}"  # an identifier: "cuota uno", like "página uno"
    if o.concept == "matricula_extemporanea":
        return "Derecho de matrícula extemporánea"
    return "Matrícula"


def _article_label(concept: str) -> str:
    if concept == "matricula_extemporanea":
        return "el derecho de matrícula extemporánea"
    return "la matrícula"


def _due_phrase(statement: Statement, day: date) -> str:
    if day == statement.as_of:
        return f"vence hoy, {_date(statement, day)}"
    return f"vence el {_date(statement, day)}"


def _date(statement: Statement, day: date) -> str:
    return date_words(day, with_year=day.year != statement.as_of.year)


def _term_order(statement: Statement) -> list[str]:
    seen: dict[str, None] = {}
    for o in statement.obligations:
        seen.setdefault(o.term)
    return list(seen)


def _term_owes(statement: Statement, term: str) -> bool:
    return any(o.term == term and o.outstanding for o in statement.obligations)
