"""A minimal PDF file writer: numbered objects and streams, then the cross-reference table.

Callers write dictionaries from names and numbers they control; text never goes into a
dictionary, only into streams as hex strings, so nothing here needs escaping.
"""

import zlib

_HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # the binary comment tells transfer tools the file is binary


class PdfWriter:
    """Objects are numbered from 1 in the order they are reserved or added."""

    def __init__(self) -> None:
        self._objects: list[bytes | None] = []

    def reserve(self) -> int:
        """A number for an object written later with add(..., number=)."""
        self._objects.append(None)
        return len(self._objects)

    def add(self, body: str | bytes, *, number: int | None = None) -> int:
        data = body.encode("ascii") if isinstance(body, str) else body
        if number is None:
            self._objects.append(data)
            return len(self._objects)
        self._objects[number - 1] = data
        return number

    def stream(self, dictionary: str, data: bytes, *, compress: bool = False) -> int:
        """A stream object; `dictionary` holds the entries besides /Length (and /Filter when compressed)."""
        if compress:
            data = zlib.compress(data)
            dictionary = f"{dictionary} /Filter /FlateDecode".lstrip()
        entries = f"{dictionary} /Length {len(data)}".lstrip()
        return self.add(f"<< {entries} >>\nstream\n".encode("ascii") + data + b"\nendstream")

    def finish(self, root: int) -> bytes:
        """The whole file, with `root` as its document catalog."""
        out = bytearray(_HEADER)
        offsets = []
        for index, body in enumerate(self._objects, start=1):
            if body is None:
                raise ValueError(f"object {index} was reserved but never written")
            offsets.append(len(out))
            out += f"{index} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode("ascii")
        out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
        out += f"trailer\n<< /Size {len(offsets) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
        return bytes(out)


def number(value: float) -> str:
    """A PDF number: at most three decimals, no exponent, no negative zero."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def ref(object_number: int) -> str:
    return f"{object_number} 0 R"
