// The dashboard's one stylesheet, inlined in the page and allowed by its hash (see DASHBOARD_CSP). Colours
// are variables: dark mode follows prefers-color-scheme unless the page's toggle chose (data-theme).

const LIGHT = `--bg: #f6f7f9; --card: #fff; --line: #dde1e6; --text: #1d2330; --muted: #667085;
  --input: #fff; --head: #1d2330; --gate: #fffaeb; --gate-line: #fedf89; --edge: #98a2b3;`;
const DARK = `--bg: #111418; --card: #1b2027; --line: #313843; --text: #e4e7ec; --muted: #98a2b3;
  --input: #252b34; --head: #0b0d10; --gate: #2e2510; --gate-line: #7a5a12; --edge: #667085;`;

export const DASHBOARD_STYLE = `
:root { ${LIGHT} --open: #2f6fdb; --claimed: #0e9384; --done: #3f8f3f; --failed: #c4320a;
  --cancelled: #98a2b3; --waiting: #b54708; color-scheme: light; }
@media (prefers-color-scheme: dark) { :root:not([data-theme=light]) { ${DARK} color-scheme: dark; } }
:root[data-theme=dark] { ${DARK} color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  background: var(--bg); color: var(--text); }
header { display: flex; align-items: center; gap: 10px; padding: 8px 16px; background: var(--head); color: #fff; }
header h1 { font-size: 18px; margin: 0; letter-spacing: .5px; }
#root { color: #c7ccd6; font-family: ui-monospace, monospace; font-size: 12px; flex: 1; min-width: 0;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
header button { background: transparent; color: #fff; border-color: #475467; }
.pill { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #475467; color: #fff; white-space: nowrap; }
.pill.live { background: var(--done); }
.pill.down { background: var(--failed); }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; padding: 10px 16px 0; align-items: center; }
.toolbar input[type=search] { flex: 1 1 200px; }
.toolbar select { flex: 0 1 auto; max-width: 100%; }
.toolbar .grow { flex: 1 0 0; }
main { padding: 10px 16px 16px; display: grid; gap: 14px; grid-template-columns: minmax(0, 1fr) minmax(0, 380px);
  align-items: start; }
.col { display: grid; gap: 14px; min-width: 0; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
section h2 { font-size: 15px; margin: 0 0 8px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
section h2 small { font-weight: 400; color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
th { font-size: 12px; color: var(--muted); font-weight: 600; border-top: 0; }
.ws-row { border-top: 1px solid var(--line); padding: 8px 0; }
.ws-row:first-child { border-top: 0; padding-top: 0; }
.ws-head { font-weight: 600; margin-bottom: 6px; overflow-wrap: anywhere; }
.ws-head small { color: var(--muted); font-weight: 400; margin-left: 6px; }
.lanes { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 8px; }
.lanes.one { grid-template-columns: minmax(0, 1fr); }
.lane h3 { font-size: 11px; text-transform: uppercase; color: var(--muted); margin: 0 0 4px; font-weight: 600; }
.task { display: block; width: 100%; text-align: left; border: 1px solid var(--line); border-left: 4px solid var(--open);
  border-radius: 6px; padding: 4px 6px; margin-bottom: 6px; background: var(--card); color: var(--text);
  overflow-wrap: anywhere; cursor: pointer; }
.task:hover, .task.selected { box-shadow: 0 0 0 2px var(--open); }
.task.claimed { border-left-color: var(--claimed); }
.task.done { border-left-color: var(--done); }
.task.failed { border-left-color: var(--failed); }
.task.cancelled { border-left-color: var(--cancelled); color: var(--muted); }
.meta { display: block; color: var(--muted); font-size: 11px; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.more, .empty { color: var(--muted); font-size: 12px; }
.chip { display: inline-block; font-size: 10px; padding: 0 6px; border-radius: 999px; border: 1px solid var(--line);
  color: var(--muted); margin: 2px 3px 0 0; }
.chip.ready { border-color: var(--done); color: var(--done); }
.chip.blocked, .chip.expired { border-color: var(--waiting); color: var(--waiting); }
.badge { display: inline-block; font-size: 11px; padding: 1px 7px; border-radius: 999px; color: #fff;
  background: var(--cancelled); white-space: nowrap; }
.badge.open, .badge.pending, .badge.running { background: var(--open); }
.badge.claimed { background: var(--claimed); }
.badge.done, .badge.complete, .badge.live { background: var(--done); }
.badge.failed, .badge.rejected { background: var(--failed); }
.badge.waiting_approval { background: var(--waiting); }
.run { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin-bottom: 8px; }
.run.waiting_approval { border-color: var(--waiting); box-shadow: 0 0 0 1px var(--waiting) inset; }
.run-head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; cursor: pointer; }
.run-head .id { font-family: ui-monospace, monospace; font-weight: 600; }
.run-task { overflow-wrap: anywhere; }
.steps { margin: 6px 0 0; padding: 0; list-style: none; }
.steps li { padding: 3px 0; border-top: 1px dashed var(--line); overflow-wrap: anywhere; }
.gate { margin: 6px 0 4px; padding: 8px; background: var(--gate); border: 1px solid var(--gate-line); border-radius: 6px; }
pre { max-height: 220px; overflow: auto; background: var(--input); border: 1px solid var(--line);
  padding: 6px; margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
.actions { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin: 6px 0; }
button { font: inherit; padding: 3px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--input);
  color: var(--text); cursor: pointer; }
button.primary, button.approve { background: var(--done); border-color: var(--done); color: #fff; }
button.reject, button.danger { background: var(--failed); border-color: var(--failed); color: #fff; }
input, select, textarea { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--input); color: var(--text); min-width: 0; max-width: 100%; }
textarea { width: 100%; min-height: 54px; }
label { display: block; font-size: 12px; color: var(--muted); margin-top: 6px; }
label input, label select, label textarea { display: block; width: 100%; color: var(--text); }
.error { color: var(--failed); }
#message { margin: 0; }
#events { list-style: none; margin: 0; padding: 0; font-family: ui-monospace, monospace; font-size: 12px;
  max-height: 240px; overflow: auto; }
#events li { padding: 2px 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
#login { max-width: 520px; margin: 40px auto; }
.agent { border-top: 1px solid var(--line); padding: 5px 0; }
.agent:first-child { border-top: 0; }
.agent .who { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.agent .who strong { overflow-wrap: anywhere; }
.link { border: 0; background: none; padding: 0; color: var(--open); text-align: left; cursor: pointer;
  overflow-wrap: anywhere; text-decoration: underline; }
.graph { overflow: auto; max-height: 520px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
.graph svg { display: block; }
.graph .edge { fill: none; stroke: var(--edge); stroke-width: 1.5; }
.graph .arrow { fill: var(--edge); }
.graph .node rect { fill: var(--card); stroke: var(--open); stroke-width: 1.5; }
.graph .node { cursor: pointer; }
.graph .node text { fill: var(--text); font-size: 11px; }
.graph .node text.sub { fill: var(--muted); font-size: 10px; }
.graph .claimed rect, .graph .running rect { stroke: var(--claimed); }
.graph .done rect, .graph .complete rect { stroke: var(--done); }
.graph .failed rect, .graph .rejected rect { stroke: var(--failed); }
.graph .cancelled rect, .graph .skipped rect, .graph .external rect { stroke: var(--cancelled); stroke-dasharray: 4 3; }
.graph .waiting_approval rect { stroke: var(--waiting); stroke-width: 3; }
#detail { position: fixed; top: 0; right: 0; bottom: 0; width: min(440px, 100vw); overflow: auto; z-index: 10;
  background: var(--card); border-left: 1px solid var(--line); padding: 12px 14px; box-shadow: -4px 0 16px rgba(0,0,0,.15); }
#detail h2 { font-size: 16px; overflow-wrap: anywhere; }
#detail .close { float: right; }
#detail h3 { font-size: 13px; margin: 12px 0 4px; }
#detail ul { margin: 0; padding-left: 18px; }
#detail .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.form { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--card); margin: 10px 16px 0; }
.form .actions { margin-top: 8px; }
details > summary { cursor: pointer; }
[hidden] { display: none !important; }
@media (max-width: 1100px) { .lanes { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 600px) {
  header, .toolbar, main { padding-left: 8px; padding-right: 8px; }
  .lanes { grid-template-columns: minmax(0, 1fr); }
  .lane.empty { display: none; }
  .form { margin: 8px 8px 0; }
}
`;
