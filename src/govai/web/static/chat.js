/* 市民咨询: posts each question with the conversation's earlier questions to /api/ask and shows
   the answer as the service made it — the AI label, the text, each citation with its status and
   quote, or a refusal with the hand-off to a person. No framework; text is only ever inserted as
   text (never as HTML). */
(function () {
  "use strict";

  var form = document.getElementById("chat-form");
  if (!form) {
    return;
  }
  var log = document.getElementById("chat-log");
  var input = document.getElementById("chat-question");
  var kbSelect = document.getElementById("chat-kb");
  var statusLine = document.getElementById("chat-status");
  var sendButton = document.getElementById("chat-send");
  var newButton = document.getElementById("chat-new");
  var emptyHint = document.getElementById("chat-empty");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var LABEL = "「本内容由人工智能生成」";
  var MAX_HISTORY = 20;
  var history = [];
  var busy = false;

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (text !== undefined && text !== null) {
      el.textContent = text;
    }
    return el;
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
    statusLine.setAttribute("role", isError ? "alert" : "status");
  }

  function scrollToEnd(el) {
    if (el && el.scrollIntoView) {
      el.scrollIntoView({ block: "nearest" });
    }
  }

  function addQuestion(text) {
    if (emptyHint && emptyHint.parentNode) {
      emptyHint.parentNode.removeChild(emptyHint);
    }
    var box = node("div", "msg question");
    box.appendChild(node("span", "visually-hidden", "您的问题："));
    box.appendChild(node("p", "msg-text", text));
    log.appendChild(box);
    scrollToEnd(box);
    return box;
  }

  /* The answer text with its inline citation marks 〔《…》第…条（现行有效）〕 set apart. */
  function answerText(body) {
    var p = node("p", "msg-text");
    body.split(/(〔[^〕]*〕)/).forEach(function (part) {
      if (!part) {
        return;
      }
      if (part.charAt(0) === "〔") {
        p.appendChild(node("span", "cite-mark", part));
      } else {
        p.appendChild(document.createTextNode(part));
      }
    });
    return p;
  }

  function statusClass(status) {
    if (status === "现行有效") {
      return "status current";
    }
    if (status === "已修改") {
      return "status amended";
    }
    if (status === "已废止") {
      return "status repealed";
    }
    return "status other";
  }

  function citationList(citations) {
    var section = node("div", "citations");
    section.appendChild(node("h2", "citations-title", "依据"));
    var list = node("ul");
    citations.forEach(function (c) {
      var item = node("li", "citation");
      var head = node("p", "citation-head");
      head.appendChild(node("span", "citation-name", "《" + c.title + "》" + c.clause));
      head.appendChild(document.createTextNode(" "));
      head.appendChild(node("span", statusClass(c.status), c.status));
      item.appendChild(head);
      if (c.quote) {
        var details = node("details", "quote");
        details.appendChild(node("summary", "", "查看原文"));
        details.appendChild(node("blockquote", "", c.quote));
        item.appendChild(details);
      }
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  function addAnswer(data) {
    var box = node("article", "msg answer" + (data.refused ? " refused" : ""));
    box.setAttribute("aria-label", data.refused ? "智能问答：无法答复" : "智能问答的答复");
    var label = data.label || LABEL;
    box.appendChild(node("p", "ai-label", label));
    var body = String(data.answer || "");
    if (body.indexOf(label) === 0) {
      body = body.slice(label.length).replace(/^\n/, "");
    }
    box.appendChild(answerText(body));
    if (data.refused && data.handoff) {
      box.appendChild(node("p", "handoff", data.handoff));
    }
    if (data.citations && data.citations.length) {
      box.appendChild(citationList(data.citations));
    }
    log.appendChild(box);
    scrollToEnd(box);
  }

  function errorText(response, data) {
    if (response.status === 429) {
      return "提问过于频繁，请稍等片刻再试。";
    }
    if (response.status >= 500) {
      return "服务暂时出现故障，未能答复。请稍后重试；如需帮助，请拨打 12345 政务服务便民热线。";
    }
    if (data && data.error && data.error.message) {
      return data.error.message;
    }
    return "请求未能完成（HTTP " + response.status + "），请刷新页面后重试。";
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    kbSelect.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  function ask(question) {
    var bubble = addQuestion(question);
    input.value = "";
    setBusy(true);
    setStatus("正在查询政策资料，请稍候……", false);
    var payload = { kb: kbSelect.value, question: question, history: history.slice(-MAX_HISTORY) };
    fetch("/api/ask", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrf
      },
      body: JSON.stringify(payload)
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (data) {
            if (!response.ok || !data) {
              throw new Error(errorText(response, data));
            }
            return data;
          });
      }, function () {
        throw new Error("网络连接失败，问题未能发送。请检查网络后重试。");
      })
      .then(function (data) {
        history.push(question);
        addAnswer(data);
        setStatus(data.refused ? "暂时无法答复这个问题。" : "已答复。", false);
      })
      .catch(function (err) {
        bubble.parentNode.removeChild(bubble);
        if (!input.value) {
          input.value = question;
        }
        setStatus(err.message, true);
      })
      .then(function () {
        setBusy(false);
        input.focus();
      });
  }

  function startOver(message) {
    history = [];
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    if (emptyHint) {
      log.appendChild(emptyHint);
    }
    setStatus(message, false);
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (busy) {
      return;
    }
    if (!question) {
      setStatus("请先输入您的问题。", true);
      input.focus();
      return;
    }
    ask(question);
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter adds a line; Enter that confirms an IME composition does neither.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        sendButton.click();
      }
    }
  });

  newButton.addEventListener("click", function () {
    if (!busy) {
      startOver("已开始新对话。");
    }
  });

  kbSelect.addEventListener("change", function () {
    var chosen = kbSelect.options[kbSelect.selectedIndex].text;
    startOver("已切换到“" + chosen + "”，开始新对话。");
  });
})();
