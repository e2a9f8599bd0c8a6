"""Which media a channel takes and how large (checked before anything is stored).

MMS: reference seed 002 lists US carrier limits from 500 KB (US Cellular long/short code) to 2 MB
and advises "no larger than 500 KB to ensure the best chance of delivery"; outbound MMS carries
images only. SMS carries no media. WhatsApp: the Cloud API's documented media limits."""
from __future__ import annotations

from dataclasses import dataclass

import filetype

from onecast.kit.errors import invalid

KB = 1024
MB = 1024 * KB

IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
AUDIO = {"audio/mpeg", "audio/ogg", "audio/aac", "audio/amr", "audio/mp4", "audio/wav"}
VIDEO = {"video/mp4", "video/3gpp", "video/quicktime", "video/webm"}
DOCUMENTS = {"application/pdf", "text/plain", "text/csv", "text/vcard", "text/calendar",
             "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
ANY_MEDIA = IMAGES | AUDIO | VIDEO | DOCUMENTS
# Types whose bytes must look like what is declared; office formats are zip containers.
TEXT_TYPES = {"text/plain", "text/csv", "text/vcard", "text/calendar"}
SAME_CONTAINER = [{"video/mp4", "audio/mp4", "video/3gpp", "video/quicktime", "audio/aac"},
                  {"application/zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
                  {"application/x-ole-storage", "application/msword", "application/vnd.ms-excel",
                   "application/vnd.ms-powerpoint"}]


@dataclass(frozen=True)
class MediaRule:
    types: dict[str, int]  # MIME type -> largest size in bytes


def _rule(*groups: tuple[set[str], int]) -> MediaRule:
    return MediaRule({t: size for types, size in groups for t in types})


CHANNEL_RULES: dict[str, MediaRule | None] = {
    "sms": None,
    "mms": _rule(({"image/jpeg", "image/png", "image/gif"}, 500 * KB)),
    "whatsApp": _rule(({"image/jpeg", "image/png"}, 5 * MB), ({"image/webp"}, 500 * KB),
                      ({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * MB),
                      ({"video/mp4", "video/3gpp"}, 16 * MB), (DOCUMENTS, 100 * MB)),
    "email": _rule((ANY_MEDIA, 10 * MB)),
    "fbMessenger": _rule((IMAGES | AUDIO | VIDEO | DOCUMENTS, 25 * MB)),
    "telegram": _rule((IMAGES, 10 * MB), (AUDIO | VIDEO | DOCUMENTS, 50 * MB)),
    "rcs": _rule((IMAGES | AUDIO | VIDEO | {"application/pdf"}, 100 * MB)),
    "nativePush": _rule(({"image/jpeg", "image/png", "image/gif"}, 1 * MB)),
    "appMessaging": _rule((ANY_MEDIA, 25 * MB)),
}


def normalise(mime: str) -> str:
    return mime.split(";", 1)[0].strip().lower()


def allowed_size(mime: str, channel_type: str | None, global_max: int, field: str = "type") -> int:
    """The largest size a file of this type may have (on this channel), or a 400."""
    mime = normalise(mime)
    if channel_type is None:
        if mime not in ANY_MEDIA:
            raise invalid(field, f"{mime!r} is not an accepted media type; accepted: "
                                 f"{', '.join(sorted(ANY_MEDIA))}", "MediaTypeNotAllowed")
        return global_max
    rule = CHANNEL_RULES.get(channel_type, _rule((ANY_MEDIA, global_max)))
    if rule is None:
        raise invalid("channel", f"channel type {channel_type!r} carries no media", "ChannelHasNoMedia")
    if mime not in rule.types:
        raise invalid(field, f"{channel_type} accepts {', '.join(sorted(rule.types))}, not {mime!r}",
                      "MediaTypeNotAllowed")
    return min(rule.types[mime], global_max)


def check_size(size: int, limit: int, mime: str, channel_type: str | None) -> None:
    if size > limit:
        where = f" on {channel_type}" if channel_type else ""
        raise invalid("file", f"{mime} files may have at most {limit} bytes{where}, this one has {size}",
                      "MediaTooLarge")
    if size == 0:
        raise invalid("file", "the file is empty", "EmptyFile")


def check_bytes(data: bytes, mime: str) -> None:
    """The bytes must be what the type says: a PNG declared as JPEG, or an executable declared as a
    PDF, is refused."""
    mime = normalise(mime)
    if mime in TEXT_TYPES:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid("file", f"a {mime} file must be UTF-8 text", "MediaTypeMismatch") from None
        return
    guess = filetype.guess_mime(data[:8192])
    if guess == mime or any(guess in group and mime in group for group in SAME_CONTAINER):
        return
    found = f"looks like {guess}" if guess else "is not recognisable as that type"
    raise invalid("file", f"the file was declared {mime} but {found}", "MediaTypeMismatch")
