"""Study 2's synthetic demo chat with two real personas: both talk about the same everyday topics,
one informal (lowercase, "jaja", emoji, bursts of short messages), the other formal (long single
messages, full punctuation). Built deterministically at set-up, in the Android export format."""

import random
import re
from datetime import datetime, timedelta
from pathlib import Path

AUTHORS = ("Ana", "Luis")  # informal, formal
FILE_NAME = "chat_personas.txt"
# Neutral sentences per topic; each persona's style is applied on top, so topics are shared.
TOPICS = {
    "planes": ["¿Qué haces este fin de semana?", "¿Te apetece ir al cine el sábado?", "El sábado tengo cena con mis primos.",
               "Podemos quedar el domingo por la tarde.", "Hay una exposición nueva en el centro.",
               "¿A qué hora te viene bien?", "Yo prefiero algo tranquilo, estoy cansado de la semana.",
               "Me han dicho que el concierto del viernes está muy bien."],
    "comida": ["¿Has probado el restaurante nuevo de la esquina?", "Ayer hice una tortilla de patatas.",
               "La paella de mi madre es la mejor.", "¿Cenamos pizza esta noche?", "Estoy intentando comer menos azúcar.",
               "El café de esa cafetería es buenísimo.", "¿Sabes hacer croquetas?", "Hoy he comido lentejas otra vez."],
    "trabajo": ["Hoy he tenido tres reuniones seguidas.", "Mi jefe quiere el informe para mañana.",
                "¿Qué tal el primer día en la oficina?", "Estoy pensando en cambiar de trabajo.",
                "El viernes teletrabajo desde casa.", "Tengo muchísimo trabajo esta semana.",
                "¿Te subieron el sueldo al final?", "La entrevista fue mejor de lo que esperaba."],
    "series": ["¿Has visto la última temporada?", "Anoche vi tres capítulos seguidos.", "El final me pareció muy flojo.",
               "Te recomiendo una serie coreana buenísima.", "¿Qué estás viendo ahora?",
               "No me cuentes nada, que aún no la he terminado.", "La actriz principal lo hace genial.",
               "Prefiero las películas a las series."],
    "deporte": ["¿Viste el partido de ayer?", "Hoy he salido a correr cinco kilómetros.", "El árbitro lo hizo fatal.",
                "Me he apuntado al gimnasio otra vez.", "¿Jugamos al pádel el jueves?", "Me duele todo después del entrenamiento.",
                "Este año ganamos la liga seguro.", "Estoy aprendiendo a nadar bien."],
    "viajes": ["¿Dónde vas en vacaciones?", "Quiero ir a Lisboa en primavera.", "Los vuelos están carísimos este año.",
               "El verano pasado fuimos a la playa.", "¿Has estado alguna vez en México?", "Me encanta viajar en tren.",
               "Tengo que renovar el pasaporte.", "Buscamos una casa rural para el puente."],
    "tiempo": ["¡Qué calor hace hoy!", "Dicen que mañana va a llover.", "Me he mojado entera volviendo a casa.",
               "¿Hace frío por allí?", "Por fin ha salido el sol.", "Este invierno está siendo muy raro.",
               "No me gusta nada el viento.", "Hoy es un día perfecto para pasear."],
    "familia": ["Mi hermana viene a casa el domingo.", "¿Qué tal está tu abuela?", "Mis padres se van de viaje.",
                "El perro ha roto otra vez el sofá.", "¿Vas a la boda de tu primo?", "Mi sobrino ya empieza a andar.",
                "Tengo que llamar a mi madre.", "Hemos celebrado el cumpleaños de mi padre."],
    "estudios": ["Mañana tengo examen de estadística.", "¿Has entregado ya el trabajo?", "No entiendo nada de esta asignatura.",
                 "Me quedan dos exámenes para terminar.", "¿Estudiamos juntos en la biblioteca?",
                 "He aprobado el examen de inglés.", "El profesor explica muy bien.", "Voy a hacer un máster el año que viene."],
}
EMOJI = ["😂", "😍", "🙈", "😅", "👍", "🥳", "😴", "🤔", "❤️", "😭"]
OPENERS = ["Pues, la verdad, ", "Entiendo. ", "Desde luego. ", "En mi opinión, ", "Efectivamente. ", "Me parece bien. "]
CLOSERS = [" Ya me contarás qué te parece.", " Quedo a la espera de tus noticias.", " Un saludo.", " Gracias por preguntar."]


def informal(sentences: list[str], rng: random.Random) -> list[str]:
    """Lowercase, no opening marks or final period, 'q'/'tb', jaja and emoji, split into short messages."""
    parts = []
    for sentence in sentences:
        text = sentence.lower().replace("¿", "").replace("¡", "").rstrip(".")
        text = re.sub(r"\bque\b", "q", text) if rng.random() < 0.4 else text
        text = text.replace("también", "tb").replace("muchísimo", "muchisimo")
        pieces = [p for p in re.split(r",\s+", text) if p] if rng.random() < 0.6 else [text]
        parts += pieces
    if rng.random() < 0.4:
        parts.append(rng.choice(["jaja", "jajaja", "jajajaja"]))
    elif rng.random() < 0.3:
        parts.insert(0, rng.choice(["siii", "nooo", "buah", "oye"]))
    if rng.random() < 0.55:
        parts[-1] += " " + rng.choice(EMOJI) * rng.choice([1, 1, 2])
    return parts


def formal(sentences: list[str], rng: random.Random) -> list[str]:
    """One long message: capitals, ¿? and final periods, a formal opener or closer."""
    fixed = []
    for sentence in sentences:
        text = sentence[0].upper() + sentence[1:]
        if text.endswith("?") and not text.startswith("¿"):
            text = "¿" + text
        fixed.append(text if text[-1] in ".?!" else text + ".")
    text = " ".join(fixed)
    if rng.random() < 0.6:
        opener = rng.choice(OPENERS)
        if opener.endswith(", "):  # "En mi opinión, ¿qué ...?"
            first = 1 if text.startswith("¿") else 0
            text = text[:first] + text[first].lower() + text[first + 1:]
        text = opener + text
    if rng.random() < 0.35:
        text += rng.choice(CLOSERS)
    return [text]


def build_personas_chat(seed: int = 0, authors: tuple[str, str] = AUTHORS, conversations: int = 220) -> str:
    """The export text: conversations hours or days apart, each on one topic, both persons taking turns."""
    rng = random.Random(seed)
    clock = datetime(2023, 3, 1, 9, 30)
    line = "{:%d/%m/%y, %H:%M} - {}: {}"
    lines = [f"{clock:%d/%m/%y, %H:%M} - Los mensajes y las llamadas están cifrados de extremo a extremo. "
             "Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos."]
    topics = list(TOPICS)
    for number in range(conversations):
        clock += timedelta(hours=rng.uniform(3, 40))
        pool = TOPICS[topics[number % len(topics)]][:]
        rng.shuffle(pool)
        first = rng.randrange(2)
        for turn in range(rng.randint(4, 8)):
            speaker = (first + turn) % 2
            sentences = [pool[(2 * turn + k) % len(pool)] for k in range(rng.choice([1, 1, 2]))]
            messages = informal(sentences, rng) if speaker == 0 else formal(sentences, rng)
            clock += timedelta(seconds=rng.uniform(40, 600))
            for message in messages:
                lines.append(line.format(clock, authors[speaker], message))
                clock += timedelta(seconds=rng.uniform(3, 25))
        if number % 17 == 5:
            lines.append(line.format(clock, authors[first], "<Multimedia omitido>"))
        if number % 41 == 7:
            lines.append(line.format(clock, authors[1 - first], "Se eliminó este mensaje."))
    return "\n".join(lines) + "\n"


def build_into(folder: Path) -> None:
    """Setup hook: write folder/chat_personas.txt (synthetic, no third-party text)."""
    (Path(folder) / FILE_NAME).write_text(build_personas_chat(), encoding="utf-8")
