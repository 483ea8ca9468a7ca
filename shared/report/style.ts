/**
 * The stylesheet of the console and the report, and the small script that opens a state's details
 * when its box is clicked. Both are constants so the console serves them as files (under its
 * Content-Security-Policy `'self'`) and the report inlines them (allowed by their SHA-256 hashes).
 */

/** The stylesheet. Colours follow the Step Functions console: green succeeded, red failed, orange caught. */
export const STYLE = `
:root{--bg:#f2f3f3;--card:#fff;--ink:#16191f;--muted:#5f6b7a;--line:#d5dbdb;--head:#232f3e;--accent:#0972d3;
--ok:#037f0c;--ok-bg:#e9f7e9;--bad:#d91515;--bad-bg:#fdecec;--warn:#b35c00;--warn-bg:#fff4e5;--run:#0972d3;--run-bg:#e6f2fc;--idle:#8d99a8;--idle-bg:#fafafa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "Amazon Ember","Helvetica Neue",Roboto,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:var(--head);color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header.top .brand{font-weight:700;font-size:16px;letter-spacing:.3px}
header.top .brand span{color:#ff9900}
header.top nav a{color:#d1d5db;text-decoration:none;margin-right:18px}
header.top nav a:hover,header.top nav a.active{color:#fff}
main{padding:18px 24px;max-width:1500px}
h1{font-size:22px;margin:4px 0 12px;word-break:break-all}
h2{font-size:17px;margin:0 0 10px}
h3{font-size:14px;margin:12px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}
a{color:var(--accent)}
.crumbs{color:var(--muted);font-size:13px}
.card{background:var(--card);border-radius:10px;box-shadow:0 1px 2px rgba(0,28,36,.15);padding:16px 18px;margin-bottom:16px}
.row{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.grow{flex:1 1 420px;min-width:0}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
.kv dt{color:var(--muted)}.kv dd{margin:0;word-break:break-all}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:700;border:1px solid currentColor}
.badge.SUCCEEDED,.badge.Approved,.badge.passed,.badge.COMPLETE{color:var(--ok);background:var(--ok-bg)}
.badge.FAILED,.badge.TIMED_OUT,.badge.Rejected,.badge.rejected{color:var(--bad);background:var(--bad-bg)}
.badge.RUNNING,.badge.PendingManualApproval{color:var(--run);background:var(--run-bg)}
.badge.ABORTED,.badge.PARTIAL{color:var(--warn);background:var(--warn-bg)}
table.grid{border-collapse:collapse;width:100%;font-size:13px}
table.grid th{text-align:left;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:6px 8px;white-space:nowrap}
table.grid td{border-bottom:1px solid #eaeded;padding:5px 8px;vertical-align:top}
table.grid tr:hover td{background:#f7fafd}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.err{color:var(--bad)}
pre{background:#f7f8f8;border:1px solid #e9ebed;border-radius:6px;padding:8px 10px;overflow:auto;max-height:320px;margin:4px 0 10px;font:12px/1.4 Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
details summary{cursor:pointer;color:var(--accent)}
.muted{color:var(--muted)}
.filters{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:2px}
.filters input,.filters select{font:inherit;padding:5px 8px;border:1px solid #8c8c94;border-radius:6px;background:#fff}
button{font:inherit;font-weight:700;padding:6px 16px;border-radius:16px;border:2px solid var(--accent);background:#fff;color:var(--accent);cursor:pointer}
button.primary{background:var(--accent);color:#fff}
button.danger{border-color:var(--bad);color:var(--bad)}
button:disabled{opacity:.5;cursor:default}
.stats{display:flex;gap:12px;flex-wrap:wrap}
.stat{background:var(--card);border-radius:10px;box-shadow:0 1px 2px rgba(0,28,36,.15);padding:10px 16px;min-width:130px}
.stat .v{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
.stat .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.stat.ok .v{color:var(--ok)}.stat.bad .v{color:var(--bad)}.stat.run .v{color:var(--run)}
.graph-wrap{overflow:auto;max-height:820px;background:#fbfbfb;border:1px solid #e9ebed;border-radius:8px}
svg text{font-family:inherit}
svg.graph .state .box{fill:var(--idle-bg);stroke:var(--idle);stroke-width:1.5}
svg.graph .state .name{font-size:13px;font-weight:600;fill:var(--ink)}
svg.graph .state .kind{font-size:10.5px;fill:var(--muted)}
svg.graph .state{cursor:pointer}
svg.graph .state.container>.box{fill:rgba(255,255,255,.6);stroke-dasharray:5 3}
svg.graph .st-succeeded>.box{fill:var(--ok-bg);stroke:var(--ok)}
svg.graph .st-failed>.box{fill:var(--bad-bg);stroke:var(--bad);stroke-width:2.5}
svg.graph .st-caught>.box{fill:var(--warn-bg);stroke:var(--warn);stroke-width:2}
svg.graph .st-running>.box{fill:var(--run-bg);stroke:var(--run);stroke-width:2}
svg.graph .st-cancelled>.box{fill:#f4f4f4;stroke:#687078}
svg.graph .state.selected>.box{stroke-width:3.5;filter:drop-shadow(0 0 4px rgba(9,114,211,.45))}
svg.graph .state:focus{outline:none}
svg.graph .branch{fill:none;stroke:#c6cbd1;stroke-dasharray:2 3}
svg.graph .terminal rect{fill:#fff;stroke:#687078}
svg.graph .terminal text{font-size:12px;fill:var(--muted)}
svg.graph .edge{fill:none;stroke:#7d8998;stroke-width:1.4}
svg.graph .edge-catch{stroke:var(--warn);stroke-dasharray:5 4}
svg.graph .arrowhead{fill:#7d8998}
svg.graph .edge-label rect{fill:#fff;stroke:#d5dbdb}
svg.graph .edge-label text{font-size:10.5px;fill:#414d5c}
svg.graph .edge-label-catch text{fill:var(--warn)}
.legend-row{display:flex;gap:14px;font-size:12px;color:var(--muted);margin:8px 0 0}
.legend-row i{display:inline-block;width:12px;height:12px;border-radius:3px;border:1.5px solid;margin-right:4px;vertical-align:-2px}
.legend-row .l-succeeded{background:var(--ok-bg);border-color:var(--ok)}.legend-row .l-failed{background:var(--bad-bg);border-color:var(--bad)}
.legend-row .l-caught{background:var(--warn-bg);border-color:var(--warn)}.legend-row .l-running{background:var(--run-bg);border-color:var(--run)}
.legend-row .l-not-run{background:var(--idle-bg);border-color:var(--idle)}
#state-panel{flex:0 0 400px;max-width:100%}
#state-panel .error-box{background:var(--bad-bg);border-left:4px solid var(--bad);padding:8px 10px;border-radius:4px;margin:6px 0}
#state-panel .error-box strong{color:var(--bad)}
.chart{margin:0;display:inline-block;vertical-align:top}
.chart figcaption{font-weight:700;margin-bottom:4px}
.chart .grid{stroke:#eceff1}
.chart .frame{fill:none;stroke:#c6cbd1}
.chart .tick,.chart .axis{font-size:11px;fill:var(--muted)}
.chart .series path{fill:none;stroke-width:2.2}
.series-main path,.legend.series-main line{stroke:var(--accent)}
.series-ref path,.legend.series-ref line{stroke:#9aa5b1;stroke-dasharray:4 4}
.series-alt path,.legend.series-alt line{stroke:#ff9900}
.legend line{stroke-width:2.2}.legend text{font-size:11px;fill:var(--ink)}
.chart .dot{fill:#ff9900;stroke:#fff}
.chart .caption{color:var(--muted);font-size:12px;margin:4px 0 0;max-width:340px}
.bars .label,.bars .value{font-size:11.5px;fill:var(--ink)}
.bars .value{fill:var(--muted)}
.bar-main rect{fill:var(--accent)}.bar-ok rect{fill:#29a745}.bar-bad rect{fill:var(--bad)}
.hist{fill:var(--accent)}
table.cm{border-collapse:separate;border-spacing:4px}
table.cm th{font-size:12px;color:var(--muted);font-weight:600;padding:4px}
table.cm td{width:120px;height:64px;text-align:center;border-radius:6px}
table.cm td strong{display:block;font-size:20px}
table.cm td span{font-size:11px;color:var(--muted)}
table.cm .cm-good{background:var(--ok-bg)}table.cm .cm-bad{background:var(--bad-bg)}
svg.timeline .label,svg.timeline .value{font-size:11.5px}
svg.timeline .value{fill:var(--muted)}
svg.timeline .grid{stroke:#eceff1}
svg.timeline .tick{font-size:10.5px;fill:var(--muted)}
svg.timeline .box{fill:var(--idle)}
svg.timeline .st-succeeded .box{fill:#29a745}svg.timeline .st-failed .box{fill:var(--bad)}
svg.timeline .st-caught .box{fill:#ec7211}svg.timeline .st-running .box{fill:var(--run)}
svg.timeline g[data-state]{cursor:pointer}
.gate{font-size:15px}
.gate.passed strong{color:var(--ok)}.gate.rejected strong{color:var(--bad)}
.scroll{overflow:auto;max-height:560px}
footer{color:var(--muted);font-size:12px;padding:8px 24px 24px}
`;

/**
 * Opens a state's details (input, output, error, cause, retries) in `#state-panel` when its box in the
 * graph or its timeline row is clicked (or Enter is pressed on it). The data is the JSON of
 * `#state-data`; values are set with `textContent`, never as markup.
 */
export const STATE_PANEL_SCRIPT = `(function(){
"use strict";
var dataEl=document.getElementById("state-data");var panel=document.getElementById("state-panel");
if(!dataEl||!panel)return;var data;try{data=JSON.parse(dataEl.textContent||"{}")}catch(e){return}
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e}
function pretty(s){if(s===undefined||s===null)return"";try{return JSON.stringify(JSON.parse(s),null,2)}catch(e){return String(s)}}
function show(name){var s=data[name];panel.textContent="";panel.appendChild(el("h2","",name));
if(!s){panel.appendChild(el("p","muted","This state did not run."));return}
var dl=el("dl","kv");function kv(k,v){dl.appendChild(el("dt","",k));dl.appendChild(el("dd","",v))}
kv("Type",s.type);kv("Status",s.outcome);kv("Duration",s.duration||"—");kv("Retries",String(s.retries));if(s.resource)kv("Resource",s.resource);
panel.appendChild(dl);
if(s.error||s.cause){var b=el("div","error-box");b.appendChild(el("strong","",s.error||"Error"));b.appendChild(el("pre","cause",pretty(s.cause)));panel.appendChild(b)}
panel.appendChild(el("h3","","Input"));panel.appendChild(el("pre","input",pretty(s.input)||"—"));
panel.appendChild(el("h3","","Output"));panel.appendChild(el("pre","output",pretty(s.output)||"—"));
var all=document.querySelectorAll("svg.graph [data-state]");for(var i=0;i<all.length;i++){all[i].classList.toggle("selected",all[i].getAttribute("data-state")===name)}}
document.addEventListener("click",function(ev){var t=ev.target;var g=t&&t.closest?t.closest("[data-state]"):null;if(g){show(g.getAttribute("data-state"))}});
function reveal(){var sel=document.querySelector("svg.graph .state.selected");var wrap=document.querySelector(".graph-wrap");if(!sel||!wrap)return;var r=sel.getBoundingClientRect(),w=wrap.getBoundingClientRect();if(r.bottom>w.bottom||r.top<w.top){wrap.scrollTop+=r.top-w.top-wrap.clientHeight/2+Math.min(r.height,wrap.clientHeight)/2}}
reveal();
document.addEventListener("keydown",function(ev){if(ev.key!=="Enter")return;var t=ev.target;if(t&&t.getAttribute&&t.getAttribute("data-state")!==null)show(t.getAttribute("data-state"))});
})();`;
