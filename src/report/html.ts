// report.html: one self-contained page (data, script and style inline, no
// network access needed) drawn from a ReportData; see client.ts for the page.
import * as path from 'node:path';
import { writeOutputFile, type UnwrittenOutput } from '../output/data-dir';
import { REPORT_CSS, REPORT_JS } from './client';
import type { ReportData } from './data';

/** The name of the report in the data directory. */
export const REPORT_FILE = 'report.html';

function escapeHtml(s: string): string {
  return s.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;');
}

/** The page for `data`. The JSON is escaped so no string in it can end the script element. */
export function renderReport(data: ReportData): string {
  const json = JSON.stringify(data)
    .replace(/</gu, '\\u003c')
    .replace(/\u2028/gu, '\\u2028')
    .replace(/\u2029/gu, '\\u2029');
  const title = escapeHtml(`umbra report${data.title !== undefined ? ': ' + data.title : ''}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<div id="head"><h1>${title}</h1></div>
<input id="search" type="search" placeholder="Search hosts, processes, syscalls, messages…" aria-label="search">
<div id="report"></div>
<script type="application/json" id="umbra-data">${json}</script>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}

/** Writes report.html into `dataDir`; what went wrong instead of throwing. */
export function writeReport(dataDir: string, data: ReportData): UnwrittenOutput | null {
  return writeOutputFile(path.join(dataDir, REPORT_FILE), renderReport(data));
}
