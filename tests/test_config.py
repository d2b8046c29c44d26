import pytest

from baitwatch.config import DEFAULT_PORT, load_config
from baitwatch.errors import BaitwatchError


def test_defaults(tmp_path):
    config = load_config(environ={}, path=tmp_path / "none.toml")
    assert (config.host, config.port, config.log_urls) == ("127.0.0.1", DEFAULT_PORT, False)


def test_file_then_environment_then_flags(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('port = 5000\nlog_level = "debug"\ncache_entries = 10\n')
    config = load_config(flags={"port": 7000}, environ={"BAITWATCH_PORT": "6000", "BAITWATCH_CACHE_ENTRIES": "20"}, path=path)
    assert config.port == 7000
    assert config.cache_entries == 20
    assert config.log_level == "debug"


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("port = 'abc'\n", {}, "port must be a whole number"),
        ("port = 70000\n", {}, "port must be a whole number from 1 to 65535"),
        ("colour = 'red'\n", {}, "unknown setting 'colour'"),
        ("port = \n", {}, "is not valid TOML"),
        ("", {"BAITWATCH_LOG_URLS": "maybe"}, "log_urls must be true or false"),
        ("", {"BAITWATCH_LOG_LEVEL": "loud"}, "log_level must be one of"),
    ],
)
def test_bad_values_are_one_clear_error(tmp_path, text, environ, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(BaitwatchError, match=message):
        load_config(environ=environ, path=path)
