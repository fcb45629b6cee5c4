"""The Apache Kafka jars: fetched by Maven from the pinned ``pom.xml`` beside this file.

They land in a cache git ignores (``.cache/kafka-jars``, or ``$KDASH_KAFKA_JARS``; kafka_io.settings),
marked with the pom's digest so a version bump never mixes old and new jars.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from kafka_io.errors import KafkaIOError
from kafka_io.settings import local_settings

__all__ = ["DOWNLOAD_TIMEOUT_S", "ensure_jars", "jars_dir", "need_tool"]

POM = Path(__file__).with_name("pom.xml")
JARS_MARKER = ".complete"
DOWNLOAD_TIMEOUT_S = 900.0
LOG_TAIL_LINES = 30


def jars_dir() -> Path:
    return local_settings().jars_dir


def _pom_digest() -> str:
    # Keyed on the pom so a version bump never mixes old and new jars on one classpath.
    return hashlib.sha256(POM.read_bytes()).hexdigest()


def need_tool(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise KafkaIOError(
            f"`{tool}` is not on PATH; the Apache Kafka engine needs Java 17+ and Maven "
            "(Debian: apt-get install -y openjdk-17-jre-headless maven)"
        )
    return path


def ensure_jars(timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """The jar directory, downloading the jars with Maven first when it is missing or stale."""
    need_tool("java")
    target = jars_dir()
    marker = target / JARS_MARKER
    if marker.is_file() and marker.read_text().strip() == _pom_digest():
        return target
    mvn = need_tool("mvn")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        done = subprocess.run(
            [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies", f"-DoutputDirectory={staging}"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise KafkaIOError(f"downloading the Kafka jars took over {timeout_s:g} s; try again") from None
    if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise KafkaIOError(f"Maven could not fetch the Kafka jars (exit {done.returncode}):\n{tail}")
    # Only jars and the marker are ever removed: KDASH_KAFKA_JARS may name a directory we do not own.
    target.mkdir(parents=True, exist_ok=True)
    for old in [*target.glob("*.jar"), marker]:
        old.unlink(missing_ok=True)
    for jar in staging.glob("*.jar"):
        jar.replace(target / jar.name)
    shutil.rmtree(staging, ignore_errors=True)
    marker.write_text(_pom_digest())
    return target
