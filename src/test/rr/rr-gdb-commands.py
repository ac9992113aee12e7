# TEST-ONLY, part of the stand-in for rr (see `rr' beside this file): sourced into the gdb of a
# direct replay (`rr replay' without -s).  That gdb runs the program itself, so its checkpoints are
# gdb's fork checkpoints; this gives them rr 5.x's behaviour where a debugger sees it:
#
# * A checkpoint survives a restart to it (rr keeps its checkpoint map and seeks to the mark:
#   GdbServer.cc:1736-1777 at rr HEAD).  gdb's fork restart makes the forked copy the live process,
#   so after `restart N' this forks the copy again and goes on in the new fork, leaving fork N where
#   it was taken.  Those working copies take gdb checkpoint numbers, so a later `checkpoint' gets a
#   higher number than rr's next one; `info checkpoints' lists them in gdb's format.
#   When the program exits, gdb carries on in one of its forks (linux-fork): that one is copied
#   in the same way once gdb has reported the end (a posted event: a call into the program inside
#   the stop would lose MI's report of it), so it too stays a checkpoint.  With one fork left gdb
#   keeps no list, and that one becomes the program.
# * Every `restart' and `run' first steps one instruction when a thread is selected: rr's
#   `define hook-run' -> rr-hook-run (launch_debugger.cc:59-61), a `stepi' whenever $_thread != 0
#   (DebuggerExtensionCommandHandler.cc:142-163).  Its suppress flag never turns on, because
#   RRSetSuppressRunHook.invoke assigns a local (line 160); rr 5.0-5.2 used $suppress_run_hook,
#   to the same effect.  rr's `restart N' is `run cN', so its hook-run steps too: here, hook-restart.
# * `run' goes back to the checkpoint last restarted to, or before any restart to the replay's
#   start, and stops there: an argument-less vRun is RESTART_FROM_PREVIOUS
#   (GdbServerConnection.cc:1163-1165), which restores debugger_restart_checkpoint
#   (GdbServer.cc:1750-1751, set at :1773), and every restart leaves interrupt_pending set, so the
#   resume gdb's `run' sends next stops at once (:1764, :1453-1461).  `run cN' is `restart N';
#   `run 0' and `run 1' go to the start (event 1 is the program's execve here); `run EVENT' past it
#   and `run tTICKS' (seek-ticks) are not reproduced: this replay has no events or ticks.
#   An argument rr cannot parse restarts from the previous point, as rr does.  What the
#   stand-in cannot do fails before the step, so it moves nothing.
#
# NOT reproduced: going to the start kills gdb's forks (gdb's `starti' kills every fork), where rr
# keeps its checkpoints; the exact MI records of rr's restart (a *stopped for the restart itself,
# after the step's).  Here the restart prints gdb's "Switching to ..." and no *stopped of its own.
import re

import gdb

_state = {
    'previous': None,   # rr's debugger_restart_checkpoint: the checkpoint `run' goes back to
    'copies': set(),    # gdb fork numbers of the working copies made here (no user checkpoint)
    'before': None,     # the fork that was live before the restart in progress
    'stepped': False,   # `run' stepped already: its restart must not step again
    'pid': None,        # the live process as of the last stop or restart
    'busy': False,      # a restart's own fork and switch are under way
}


def _live_fork():
    """The number of the fork gdb runs now (`* N' in `info checkpoints'), None without forks."""
    m = re.search(r'(?m)^\* (\d+) ', gdb.execute('info checkpoints', to_string=True))
    return int(m.group(1)) if m else None


def _forks():
    """The numbers of every fork gdb lists."""
    return [int(n) for n in re.findall(r'(?m)^[* ] (\d+) ', gdb.execute('info checkpoints', to_string=True))]


def _rr_hook_run():
    if not _state['stepped'] and int(gdb.parse_and_eval('$_thread')) != 0:
        gdb.execute('stepi')


def _before_restart():
    _rr_hook_run()
    _state['before'] = _live_fork()


def _after_restart():
    restored = _live_fork()
    if restored is None:
        return
    # go on in a fresh fork of the restored one, which stays where it was taken
    _state['busy'] = True
    try:
        gdb.execute('checkpoint', to_string=True)   # says its number only to a terminal
        copy = max(_forks())
        gdb.execute('restart %d' % copy, to_string=True)
    finally:
        _state['busy'] = False
    _state['copies'].add(copy)
    _state['pid'] = gdb.selected_inferior().pid
    before = _state['before']
    if before in _state['copies'] and before != copy:
        # the working copy left behind is no checkpoint of anyone's (gdb 13 can't delete fork 0)
        gdb.execute('delete checkpoint %d' % before, to_string=True)
        _state['copies'].discard(before)
    _state['previous'] = restored


class RrRestartHooks(gdb.Command):
    """rr-standin-restart-hook before|after: what rr's restart does around gdb's fork restart."""

    def __init__(self):
        super().__init__('rr-standin-restart-hook', gdb.COMMAND_USER, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        if _state['busy']:
            return   # the fork and switch of a restart already under way
        (_before_restart if arg.strip() == 'before' else _after_restart)()


class RrRun(gdb.Command):
    """Restart the replay at the checkpoint last restarted to, or at its start (rr's `run')."""

    def __init__(self):
        super().__init__('run', gdb.COMMAND_RUNNING, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        a = arg.strip()
        target = _state['previous']
        # what the stand-in cannot do fails before rr's step, so that it moves nothing
        if re.fullmatch(r'c-?\d+', a):
            target = int(a[1:])
        elif re.fullmatch(r't-?\d+', a):
            raise gdb.GdbError('rr stand-in: `run tTICKS\' (seek-ticks) is not reproduced: no ticks here')
        elif re.fullmatch(r'-?\d+', a):
            if int(a) > 1:
                raise gdb.GdbError('rr stand-in: `run EVENT\' past the start is not reproduced: no events here')
            target = None
        _rr_hook_run()
        if target is None:
            _state['previous'] = None
            gdb.execute('starti', from_tty)
            return
        _state['stepped'] = True
        try:
            gdb.execute('restart %d' % target, from_tty)
        finally:
            _state['stepped'] = False


def _after_stop():
    # gdb carries on in a fork when the program exits (linux-fork), which makes that checkpoint
    # the live process: go on in a copy of it instead, as after a restart. Only the live process's
    # pid is asked at every stop; the fork list only when it changed.
    pid = gdb.selected_inferior().pid
    if pid == _state['pid'] or _state['busy']:
        return
    live = _live_fork() if _state['pid'] is not None and pid != 0 else None
    if live not in (None, 0) and live not in _state['copies']:
        _state['before'] = None
        _after_restart()
    _state['pid'] = gdb.selected_inferior().pid


class RrStopHook(gdb.Command):
    """rr-standin-stop-hook: after a stop, keep the checkpoint gdb went on in at the program's exit."""

    def __init__(self):
        super().__init__('rr-standin-stop-hook', gdb.COMMAND_USER, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        # not inside the stop itself: gdb's MI has not reported it yet, and a call into the
        # program (the fork) there would lose that report
        gdb.post_event(_after_stop)


RrRestartHooks()
RrRun()
RrStopHook()
gdb.execute('define hook-restart\nrr-standin-restart-hook before\nend')
gdb.execute('define hookpost-restart\nrr-standin-restart-hook after\nend')
gdb.execute('define hook-stop\nrr-standin-stop-hook\nend')
