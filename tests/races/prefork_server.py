"""``python -m odoo`` for the race tests, without the websocket (gevent) process.

Usage: the arguments of ``python -m odoo``, e.g.
``prefork_server.py server -d DB --workers 2 --http-port 8269 ...``

A prefork server (``--workers N``) also starts a gevent process for
websockets by re-running ``sys.argv[0]``. Under ``python -m odoo`` that is
``odoo/__main__.py``, which cannot run as a script: the process dies at once
and the master respawns it in a tight loop, eating a CPU and flooding the log
(and where it does start, it needs a free ``--gevent-port``). The race tests
use no websocket, so the spawn is turned into a no-op; everything else is
Odoo's own prefork server: the master, its HTTP workers, their retries.

Odoo's test loader never imports this file: ``tests/races`` has no
``__init__.py`` and is not a ``test_*`` module of the ``tests`` package.
"""
from odoo.cli.command import main  # first: Odoo's core setup
from odoo.service import server

server.PreforkServer.long_polling_spawn = lambda self: None

if __name__ == '__main__':
    main()
