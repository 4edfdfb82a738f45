"""The keys help lists each menu's keys together, whatever order the actions were added in."""

from app.shared.actions import Action, keys_html


def act(name: str, menu: str, key: str) -> Action:
    return Action(name, name, menu, (key,), lambda: None)


def test_a_later_view_key_sits_with_the_view_keys():
    table = [
        act("live", "View", "Alt+1"),
        act("lecturer", "View", "F11"),
        act("leave", "", "Escape"),
        act("keys", "Help", "F1"),
        act("save", "File/Export", "Ctrl+S"),
        act("insides", "View", "Alt+4"),
        act("open", "File", "Ctrl+O"),
        Action("silent", "silent", "View", (), lambda: None),
    ]
    html = keys_html(table)
    order = [
        html.index(f"<td>{n}</td>")
        for n in ("live", "lecturer", "leave", "insides", "keys", "save", "open")
    ]
    assert order == sorted(order)
    assert "silent" not in html
