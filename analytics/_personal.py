"""A guard against personal data typed into the registers' free text.

The interventions and commitments registers hold institutions, roles and places, never
people (Ley 29733): :func:`personal_data_problems` flags what looks like a DNI, a phone
number, an e-mail address or a person addressed by title ("Sr. Pérez"). A heuristic, not
a guarantee: the forms also say what to write.
"""

from __future__ import annotations

import re
from typing import Final

_CHECKS: Final = (
    (re.compile(r"(?<!\d)\d{8}(?!\d)"), "un número de DNI"),
    (re.compile(r"(?<!\d)(?:\+?51[\s-]?)?9\d{2}[\s-]?\d{3}[\s-]?\d{3}(?!\d)"),
     "un número de teléfono"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "un correo electrónico"),
    (re.compile(r"(?:^|[\s,;(])(?:sr|sra|srta|don|doña|dr|dra)\.?\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+",
                re.IGNORECASE), "el nombre de una persona"),
)


def personal_data_problems(text: str, what: str) -> list[str]:
    """Spanish problems found in ``text`` (empty when it looks clean).

    Examples
    --------
    >>> personal_data_problems("Gerencia de Seguridad Ciudadana", "Responsable")
    []
    >>> personal_data_problems("Sr. Pérez, 987 654 321", "Responsable")[0][:40]
    'Responsable parece contener un número de'
    """
    found = [label for pattern, label in _CHECKS if pattern.search(text or "")]
    if not found:
        return []
    return [f"{what} parece contener {' y '.join(found)}: registre instituciones, cargos y "
            "lugares, nunca datos personales (Ley 29733)."]
