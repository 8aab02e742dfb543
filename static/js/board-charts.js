/*
 * The board's charts, drawn with Apache ECharts (static/vendor/echarts-5.6.0).
 *
 * Data comes from <script type="application/json" id="board-charts-data">, written by
 * tracker.services.charts.board_charts: for each indicator a line of actual measurements and
 * a dashed target trajectory; for the plan a timeline (Gantt) of items and milestones with
 * the as-of date as a vertical line. Every text shown comes translated from the server.
 */
(function () {
  'use strict';

  var FALLBACK_COLOURS = {
    success: '#198754',
    warning: '#ffc107',
    danger: '#dc3545',
    secondary: '#6c757d',
    primary: '#0d6efd',
    'body-color': '#212529',
    'secondary-color': '#6c757d',
    'body-bg': '#ffffff'
  };

  function cssColour(name) {
    var value = window.getComputedStyle(document.documentElement)
      .getPropertyValue('--bs-' + name).trim();
    return value || FALLBACK_COLOURS[name] || '#6c757d';
  }

  /* 'YYYY-MM-DD' as a local-midnight timestamp, so every date sits on its own day. */
  function day(iso) {
    var parts = String(iso).split('-');
    return new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2])).getTime();
  }

  function escape(text) {
    return echarts.format.encodeHTML(text == null ? '' : String(text));
  }

  function formatNumber(value) {
    return Number(value).toLocaleString(document.documentElement.lang || undefined);
  }

  function isDark() {
    return document.documentElement.getAttribute('data-bs-theme') === 'dark' ||
      document.body.getAttribute('data-bs-theme') === 'dark';
  }

  /* The as-of line; a date outside the chart's range is drawn at its edge, with an arrow. */
  function asOfLine(data, colour, min, max) {
    var at = day(data.as_of);
    var text = data.labels.as_of;
    if (at > max) { at = max; text += ' \u2192'; }
    if (at < min) { at = min; text = '\u2190 ' + text; }
    return {
      silent: true,
      symbol: ['none', 'none'],
      lineStyle: { color: colour, type: 'solid', width: 1.5 },
      label: { formatter: text, position: 'insideEndTop', color: colour },
      data: [{ xAxis: at }]
    };
  }

  /* ---- one indicator: actual measurements against the target trajectory ---------------- */

  function indicatorOption(ind, data) {
    var labels = data.labels;
    var textColour = cssColour('body-color');
    var muted = cssColour('secondary-color');
    var targets = [[day(ind.baseline.date), ind.baseline.value, labels.baseline]].concat(
      ind.targets.map(function (t) { return [day(t.date), t.value, t.source_label]; })
    );
    var actual = ind.measurements.map(function (m) {
      return [day(m.date), m.value, m.source_label];
    });
    var times = targets.concat(actual).map(function (p) { return p[0]; });
    times.push(day(data.gantt.plan_start), day(data.gantt.plan_end));
    var min = Math.min.apply(null, times);
    var max = Math.max.apply(null, times);
    var unit = ind.unit ? ' ' + ind.unit : '';
    /* A measurement sitting on a target point (the baseline, usually) is labelled once. */
    var targetKeys = targets.map(function (p) { return p[0] + ':' + p[1]; });
    function onTarget(p) { return targetKeys.indexOf(p[0] + ':' + p[1]) >= 0; }

    return {
      animation: false,
      textStyle: { fontFamily: 'inherit' },
      grid: { left: 8, right: 24, top: 44, bottom: 8, containLabel: true },
      legend: {
        top: 0,
        data: [labels.actual, labels.target],
        textStyle: { color: textColour }
      },
      tooltip: {
        trigger: 'item',
        confine: true,
        formatter: function (p) {
          var date = echarts.time.format(p.value[0], '{yyyy}-{MM}-{dd}', false);
          var text = '<strong>' + escape(p.seriesName) + '</strong><br>' + escape(date) + ': ' +
            escape(formatNumber(p.value[1]) + unit);
          if (p.value[2]) { text += '<br>' + escape(p.value[2]); }
          return text;
        }
      },
      xAxis: {
        type: 'time',
        min: min,
        max: max,
        axisLabel: { color: muted, hideOverlap: true, formatter: '{yyyy}-{MM}' },
        splitLine: { show: false }
      },
      yAxis: {
        type: 'value',
        scale: true,
        axisLabel: { color: muted }
      },
      series: [
        {
          name: labels.target,
          type: 'line',
          data: targets,
          symbol: 'emptyCircle',
          symbolSize: 8,
          lineStyle: { type: 'dashed', width: 2, color: muted },
          itemStyle: { color: muted },
          label: {
            show: true,
            position: 'top',
            color: muted,
            formatter: function (p) { return formatNumber(p.value[1]); }
          },
          markLine: asOfLine(data, cssColour('danger'), min, max),
          z: 2
        },
        {
          name: labels.actual,
          type: 'line',
          data: actual,
          symbol: 'circle',
          symbolSize: 9,
          showSymbol: true,
          lineStyle: { width: 3, color: cssColour('primary') },
          itemStyle: { color: cssColour('primary') },
          label: {
            show: true,
            position: 'right',
            distance: 6,
            color: cssColour('primary'),
            formatter: function (p) {
              var last = p.dataIndex === actual.length - 1;
              return last && !onTarget(p.value) ? formatNumber(p.value[1]) : '';
            }
          },
          z: 3
        }
      ]
    };
  }

  /* ---- the timeline: a bar per item, a marker per milestone -------------------------- */

  function clip(rect, sys) {
    return echarts.graphic.clipRectByRect(rect, {
      x: sys.x, y: sys.y, width: sys.width, height: sys.height
    });
  }

  function ganttOption(data) {
    var gantt = data.gantt;
    var labels = data.labels;
    var rows = gantt.rows;
    var muted = cssColour('secondary-color');
    var background = cssColour('body-bg');
    var outline = cssColour('body-color');
    var colours = {};
    gantt.statuses.forEach(function (s) { colours[s.status] = cssColour(s.colour); });

    var bars = rows.map(function (row, index) {
      return { value: [index, day(row.start), day(row.due), row.progress], row: row };
    });
    var markers = [];
    rows.forEach(function (row, index) {
      row.milestones.forEach(function (m) {
        markers.push({
          value: [index, day(m.due), day(m.baseline_due)],
          row: row,
          milestone: m
        });
      });
    });

    function renderBar(params, api) {
      var row = rows[params.dataIndex];
      var index = api.value(0);
      var from = api.coord([api.value(1), index]);
      var to = api.coord([api.value(2), index]);
      var height = api.size([0, 1])[1] * 0.42;
      var top = from[1] - height / 2;
      var width = Math.max(to[0] - from[0], 2);
      var colour = colours[row.status] || muted;
      var whole = clip({ x: from[0], y: top, width: width, height: height }, params.coordSys);
      var done = clip({
        x: from[0], y: top, width: width * Math.min(Math.max(api.value(3), 0), 100) / 100,
        height: height
      }, params.coordSys);
      var children = [];
      if (whole) {
        children.push({
          type: 'rect',
          shape: whole,
          style: { fill: colour, opacity: 0.28, stroke: colour, lineWidth: 1 }
        });
      }
      if (done && done.width > 0) {
        children.push({ type: 'rect', shape: done, style: { fill: colour, opacity: 0.85 } });
      }
      return { type: 'group', children: children };
    }

    function renderMilestone(params, api) {
      var entry = markers[params.dataIndex];
      var colour = colours[entry.milestone.status] || muted;
      var index = api.value(0);
      var at = api.coord([api.value(1), index]);
      var size = 7;
      var children = [];
      if (entry.milestone.postponed) {
        var was = api.coord([api.value(2), index]);
        children.push({
          type: 'line',
          shape: { x1: was[0], y1: was[1], x2: at[0], y2: at[1] },
          style: { stroke: colour, lineWidth: 1.5, lineDash: [4, 3] }
        });
        children.push({
          type: 'circle',
          shape: { cx: was[0], cy: was[1], r: 5 },
          style: { fill: background, stroke: colour, lineWidth: 2 }
        });
      }
      children.push({
        type: 'polygon',
        shape: {
          points: [[at[0], at[1] - size], [at[0] + size, at[1]], [at[0], at[1] + size],
            [at[0] - size, at[1]]]
        },
        style: { fill: colour, stroke: outline, lineWidth: 1 }
      });
      return { type: 'group', children: children };
    }

    function tooltip(p) {
      var row = p.data.row;
      var m = p.data.milestone;
      var lines;
      if (m) {
        lines = ['<strong>' + escape(m.code + ' ' + m.title) + '</strong>',
          escape(labels.department + ': ' + m.department),
          escape((m.postponed ? labels.current_due : labels.due) + ': ' + m.due)];
        if (m.postponed) {
          lines.push(escape(labels.original_due + ': ' + m.baseline_due));
        }
        lines.push(escape(labels.status + ': ' + m.status_label));
      } else {
        lines = ['<strong>' + escape(row.code + ' ' + row.title) + '</strong>',
          escape(labels.lead_department + ': ' + row.department),
          escape(labels.start + ': ' + row.start),
          escape(labels.due + ': ' + row.due),
          escape(labels.status + ': ' + row.status_label + ' · ' + row.progress + '%')];
      }
      return lines.join('<br>');
    }

    return {
      animation: false,
      textStyle: { fontFamily: 'inherit' },
      grid: { left: 8, right: 40, top: 28, bottom: 8, containLabel: true },
      tooltip: { trigger: 'item', confine: true, formatter: tooltip },
      xAxis: {
        type: 'time',
        position: 'top',
        min: day(gantt.start),
        max: day(gantt.end),
        axisLabel: { color: muted, hideOverlap: true, formatter: '{yyyy}-{MM}' },
        splitLine: { show: true, lineStyle: { color: muted, opacity: 0.2 } }
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: rows.map(function (row) { return row.code + '  ' + row.title; }),
        axisTick: { show: false },
        axisLabel: { color: cssColour('body-color'), width: 220, overflow: 'truncate' },
        splitLine: { show: true, lineStyle: { color: muted, opacity: 0.12 } }
      },
      series: [
        {
          name: labels.item,
          type: 'custom',
          renderItem: renderBar,
          encode: { x: [1, 2], y: 0 },
          data: bars,
          z: 2
        },
        {
          name: labels.milestone,
          type: 'custom',
          renderItem: renderMilestone,
          encode: { x: [1, 2], y: 0 },
          data: markers,
          z: 3
        },
        {
          name: labels.as_of,
          type: 'line',
          data: [],
          markLine: asOfLine(data, cssColour('danger'), day(gantt.start), day(gantt.end)),
          z: 4
        }
      ]
    };
  }

  /* ---- wiring ------------------------------------------------------------------------- */

  var charts = [];

  function draw(element, option) {
    var existing = echarts.getInstanceByDom(element);
    if (existing) { existing.dispose(); }
    var chart = echarts.init(element, isDark() ? 'dark' : null, { renderer: 'canvas' });
    if (isDark()) { option.backgroundColor = 'transparent'; }
    chart.setOption(option);
    charts.push(chart);
  }

  function start() {
    var source = document.getElementById('board-charts-data');
    if (!source || typeof echarts === 'undefined') { return; }
    var data = JSON.parse(source.textContent || '{}');
    if (!data || !data.gantt) { return; }

    document.querySelectorAll('[data-testid="indicator-chart"]').forEach(function (element) {
      var ind = (data.indicators || [])[Number(element.getAttribute('data-index'))];
      if (ind) { draw(element, indicatorOption(ind, data)); }
    });
    var ganttElement = document.querySelector('[data-testid="gantt-chart"]');
    if (ganttElement && data.gantt.rows && data.gantt.rows.length) {
      draw(ganttElement, ganttOption(data));
    }

    var pending = null;
    window.addEventListener('resize', function () {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 100);
    });
    window.addEventListener('beforeprint', function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
