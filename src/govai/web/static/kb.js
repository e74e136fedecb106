/* The knowledge base page: while an upload is being imported in the background, poll its status
   (stage, done/total) and reload the page for the per-file report once the job is over. */
(function () {
  "use strict";

  var panel = document.getElementById("import");
  if (!panel || panel.getAttribute("data-state") !== "running") {
    return;
  }
  var url = panel.getAttribute("data-job-url");
  var line = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var delay = 700;
  var failures = 0;

  function show(job) {
    line.textContent = "正在" + job.stage + "：" + job.done + " / " + job.total;
    if (bar) {
      bar.max = Math.max(job.total, 1);
      bar.value = Math.min(job.done, bar.max);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        if (job.state !== "running") {
          window.location.reload();
          return;
        }
        show(job);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        failures += 1;
        line.textContent = "暂时无法获取导入进度（网络或服务异常），导入仍在后台进行。稍后将自动重试，也可刷新页面查看。";
        window.setTimeout(poll, Math.min(delay * Math.pow(2, failures), 15000));
      });
  }

  window.setTimeout(poll, delay);
})();
