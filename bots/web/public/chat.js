/*
 * Anxin web chat page. Plain ES2017 with no build step, so that WeChat's in-app browser runs it
 * as served. Bot text is only ever set with textContent: nothing the server sends becomes markup.
 */
(function () {
  "use strict";

  var LANGS = ["zh-CN", "zh-TW", "en"];
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var langSelect = document.getElementById("lang");
  var statusLine = document.getElementById("status");
  var progressBar = document.getElementById("progress");

  var state = {
    lang: LANGS.indexOf(document.documentElement.lang) >= 0 ? document.documentElement.lang : "zh-CN",
    strings: {},
    csrf: null,
    queue: [],
    busy: false,
    paused: false,
    /** The resident answered from a focused button: move focus to the next choices. */
    followFocus: false,
    /** The last bot message with options: where "editsPrevious" updates land. */
    current: null,
    fromLeaflet: false,
    ref: null,
    pushes: null,
    /** A newer tab took the live updates over; this one takes them back when looked at. */
    superseded: false,
    /** The open question wants a telephone number: the composer offers the phone keypad. */
    phone: false,
  };

  // ------------------------------------------------------------------ strings

  function lookup(table, key) {
    var node = table;
    var parts = key.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== "object") return undefined;
      node = node[parts[i]];
    }
    return typeof node === "string" ? node : undefined;
  }

  function t(key, vars) {
    var text = lookup(state.strings[state.lang], key);
    if (text === undefined) text = lookup(state.strings["zh-CN"], key);
    if (text === undefined) return key;
    return text.replace(/\{\{(\w+)\}\}/g, function (whole, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
    });
  }

  function loadStrings(lang) {
    if (state.strings[lang]) return Promise.resolve();
    return fetch("/web/i18n/" + encodeURIComponent(lang) + ".json", { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : {};
      })
      .then(function (table) {
        state.strings[lang] = table;
      })
      .catch(function () {
        state.strings[lang] = state.strings[lang] || {};
      });
  }

  /** Switches the page's own labels (not the conversation) to `lang`. */
  function applyLang(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    langSelect.value = lang;
    document.title = t("page.title");
    var labelled = document.querySelectorAll("[data-text]");
    for (var i = 0; i < labelled.length; i++) labelled[i].textContent = t(labelled[i].getAttribute("data-text"));
    input.setAttribute("placeholder", t(state.phone ? "page.phone_placeholder" : "page.input_placeholder"));
    log.setAttribute("aria-label", t("page.log"));
  }

  /**
   * While a phone question is open the composer brings up the telephone keypad and offers the
   * number the browser knows (autocomplete="tel"); otherwise it is the plain text field again.
   */
  function setComposerMode(phone) {
    state.phone = phone;
    if (phone) {
      input.setAttribute("inputmode", "tel");
      input.setAttribute("autocomplete", "tel");
    } else {
      input.removeAttribute("inputmode");
      input.removeAttribute("autocomplete");
    }
    input.setAttribute("placeholder", t(phone ? "page.phone_placeholder" : "page.input_placeholder"));
  }

  function useLang(lang) {
    if (LANGS.indexOf(lang) < 0) return Promise.resolve();
    return loadStrings(lang).then(function () {
      applyLang(lang);
    });
  }

  // ------------------------------------------------------------------ rendering

  function element(tag, className) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function said(text, className) {
    var item = element("div", "msg you" + (className ? " " + className : ""));
    var bubble = element("p", "bubble");
    var who = element("span", "visually-hidden");
    who.textContent = t("page.you") + ": ";
    bubble.appendChild(who);
    bubble.appendChild(document.createTextNode(text));
    item.appendChild(bubble);
    log.appendChild(item);
    scrollToEnd();
  }

  /** A message from the page itself (an error, a lost connection), with an optional action. */
  function notice(text, action) {
    var item = element("div", "msg notice");
    item.setAttribute("role", "alert");
    var bubble = element("p", "bubble");
    bubble.textContent = text;
    item.appendChild(bubble);
    if (action) {
      var button = element("button", "option action");
      button.type = "button";
      button.textContent = action.label;
      button.addEventListener("click", function () {
        button.disabled = true;
        action.run();
      });
      item.appendChild(button);
    }
    log.appendChild(item);
    scrollToEnd();
  }

  /** The answer buttons of the message that holds `group` (the primary one sits beside the group). */
  function answerButtons(group) {
    return group.parentNode ? group.parentNode.querySelectorAll("button.option") : group.querySelectorAll("button");
  }

  function retireOptions(except) {
    var groups = log.querySelectorAll(".options:not([data-retired])");
    for (var i = 0; i < groups.length; i++) {
      if (except && groups[i].parentNode === except) continue;
      groups[i].setAttribute("data-retired", "true");
      var buttons = answerButtons(groups[i]);
      for (var j = 0; j < buttons.length; j++) buttons[j].disabled = true;
    }
  }

  /**
   * Updates a message whose buttons stay the same (a ticked option) without rebuilding it, so
   * focus stays on the button just pressed and screen readers do not hear the question again.
   */
  function updateInPlace(item, message) {
    var buttons = item.querySelectorAll("button.option");
    var options = message.options || [];
    if (buttons.length === 0 || buttons.length !== options.length) return false;
    var byKey = {};
    for (var i = 0; i < options.length; i++) byKey[options[i].key] = options[i];
    for (var k = 0; k < buttons.length; k++) if (!byKey[buttons[k].getAttribute("data-key")]) return false;
    var text = item.querySelector(".bubble").lastChild;
    if (text && text.nodeValue !== message.text) text.nodeValue = message.text;
    for (var j = 0; j < buttons.length; j++) {
      var option = byKey[buttons[j].getAttribute("data-key")];
      buttons[j].setAttribute("data-payload", option.payload);
      buttons[j].querySelector(".label").textContent = option.label;
      if (buttons[j].hasAttribute("aria-pressed")) buttons[j].setAttribute("aria-pressed", option.selected ? "true" : "false");
      var count = buttons[j].querySelector(".count");
      if (count) count.textContent = selectionText(message);
    }
    showProgress(message);
    return true;
  }

  /** "已选 2/3": how many options of a multiple choice are ticked (of the most allowed). */
  function selectionText(message) {
    var selection = message.selection;
    if (!selection) return "";
    return selection.max === undefined ? t("page.selected_count_any", { count: selection.count }) : t("page.selected_count", { count: selection.count, max: selection.max });
  }

  function showProgress(message) {
    if (!message.progress) return;
    progressBar.hidden = false;
    progressBar.max = message.progress.total;
    progressBar.value = message.progress.index;
    progressBar.setAttribute("aria-label", t("page.progress", message.progress));
  }

  function fillBotMessage(item, message) {
    item.className = "msg bot " + message.kind;
    if (message.questionId) item.setAttribute("data-question-id", message.questionId);
    else item.removeAttribute("data-question-id");
    while (item.firstChild) item.removeChild(item.firstChild);

    var bubble = element("p", "bubble");
    var bubbleId = "m" + Math.random().toString(36).slice(2);
    bubble.id = bubbleId;
    var who = element("span", "visually-hidden");
    who.textContent = t("page.bot") + ": ";
    bubble.appendChild(who);
    bubble.appendChild(document.createTextNode(message.text));
    item.appendChild(bubble);

    if (message.options && message.options.length > 0) {
      var group = element("div", "options");
      group.setAttribute("role", "group");
      group.setAttribute("aria-describedby", bubbleId);
      group.setAttribute("aria-label", message.multi ? t("page.options_multi") : t("page.options"));
      // The way on (I agree, Done) keeps its place first or last, but beside the group of the
      // other choices rather than in it: so it can stay in view at the bottom while its message
      // is on screen, however long the text or the list.
      var options = message.options;
      var first = 0;
      var last = options.length;
      while (first < last && options[first].primary) first++;
      while (last > first && options[last - 1].primary) last--;
      if (first === last) {
        first = 0;
        last = options.length;
      }
      var place = function (option) {
        return optionButton(item, message, option);
      };
      options.slice(0, first).forEach(function (option) {
        item.appendChild(place(option));
      });
      options.slice(first, last).forEach(function (option) {
        group.appendChild(place(option));
      });
      item.appendChild(group);
      options.slice(last).forEach(function (option) {
        item.appendChild(place(option));
      });
    }
    if (message.staffEntry === "admin" || message.staffEntry === "officer") {
      // A fixed path on this site: the server signs the chat's staff member in from the session cookie.
      var entry = element("a", "staff-entry");
      entry.href = "/web/staff/enter";
      entry.textContent = t(message.staffEntry === "admin" ? "page.staff_entry_admin" : "page.staff_entry_officer");
      item.appendChild(entry);
    }
    showProgress(message);
  }

  function optionButton(item, message, option) {
    var button = element("button", "option" + (option.primary ? " primary" : option.key === "0" ? " secondary" : ""));
    button.type = "button";
    button.setAttribute("data-key", option.key);
    if (option.lang) button.setAttribute("lang", option.lang);
    // Read at click time: an in-place update may have given the button a new payload.
    button.setAttribute("data-payload", option.payload);
    if (message.multi && option.key !== "0") button.setAttribute("aria-pressed", option.selected ? "true" : "false");
    var key = element("span", "key");
    key.setAttribute("aria-hidden", "true");
    key.textContent = option.key;
    var label = element("span", "label");
    label.textContent = option.label;
    button.appendChild(key);
    button.appendChild(label);
    if (message.multi && option.key === "0" && message.selection) {
      var count = element("span", "count");
      count.textContent = selectionText(message);
      button.appendChild(count);
    }
    button.addEventListener("click", function () {
      if (button.disabled || button.getAttribute("aria-disabled") === "true") return;
      var toggling = message.multi && option.key !== "0";
      // Keyboard and screen-reader users go on to the next question's choices.
      state.followFocus = document.activeElement === button;
      if (!toggling) {
        said(label.textContent);
        button.classList.add("chosen");
        retireOptions(null);
      }
      submit({ kind: "button", payload: button.getAttribute("data-payload") }, toggling ? item : null);
    });
    return button;
  }

  /**
   * Brings new messages into view from their start (with the resident's own message just above
   * them), so a long question with many options is read from the top, not from its last button.
   */
  function reveal(item) {
    var from = item.previousElementSibling && item.previousElementSibling.classList.contains("you") ? item.previousElementSibling : item;
    var top = Math.max(0, from.offsetTop - 8);
    log.scrollTop = Math.min(top, log.scrollHeight - log.clientHeight);
  }

  function render(messages) {
    var firstNewOption = null;
    var firstNew = null;
    messages.forEach(function (message) {
      var hasOptions = message.options && message.options.length > 0;
      var item;
      if (message.editsPrevious && state.current && state.current.parentNode === log) {
        // Updated where it is (a ticked option): the resident's view does not move.
        item = state.current;
        if (updateInPlace(item, message)) return;
      } else {
        if (hasOptions) retireOptions(null);
        item = element("div", "msg bot");
        log.appendChild(item);
        if (!firstNew) firstNew = item;
      }
      fillBotMessage(item, message);
      if (hasOptions && !message.progress) progressBar.hidden = true;
      if (hasOptions) {
        state.current = item;
        if (!firstNewOption) firstNewOption = item.querySelector("button.option");
      }
      // The latest question (or menu) decides what the composer is for.
      if (message.kind === "question" || hasOptions) setComposerMode(message.expects === "phone");
    });
    if (firstNew) reveal(firstNew);
    var focused = document.activeElement;
    var focusInLog = focused && focused !== document.body && log.contains(focused) && !focused.disabled;
    if (state.followFocus && firstNewOption && !focusInLog) firstNewOption.focus({ preventScroll: true });
    if (firstNewOption) state.followFocus = false;
  }

  /** Only inline PNGs are shown: nothing the server sends may make the page load from elsewhere. */
  var PNG_DATA_URL = "data:image/png;base64,";

  /**
   * Images after a reply's messages (an admin's /stats charts): an <img> whose alt text is the
   * caption, with the caption shown under it. The view stays where the reply's text begins.
   */
  function renderImages(images) {
    images.forEach(function (image) {
      if (!image || typeof image.src !== "string" || image.src.indexOf(PNG_DATA_URL) !== 0) return;
      var caption = typeof image.caption === "string" ? image.caption : "";
      var item = element("div", "msg bot chart");
      var figure = element("figure", "bubble");
      var picture = element("img");
      picture.alt = caption;
      picture.src = image.src;
      figure.appendChild(picture);
      if (caption !== "") {
        var text = element("figcaption");
        // The alt text already says it: screen readers should not hear it twice.
        text.setAttribute("aria-hidden", "true");
        text.textContent = caption;
        figure.appendChild(text);
      }
      item.appendChild(figure);
      log.appendChild(item);
    });
  }

  // ------------------------------------------------------------------ talking to the server

  function newId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    var hex = "";
    for (var j = 0; j < bytes.length; j++) hex += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16);
    return hex;
  }

  function post(path, body) {
    var headers = { "Content-Type": "application/json", "X-Anxin-Lang": state.lang };
    if (state.csrf) headers["X-Anxin-CSRF"] = state.csrf;
    return fetch(path, { method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body) }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { status: response.status, ok: response.ok, data: data };
        });
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    document.body.setAttribute("data-busy", busy ? "true" : "false");
    statusLine.textContent = busy ? t("page.sending") : "";
    // aria-disabled, not disabled: a disabled button drops keyboard focus.
    var groups = log.querySelectorAll(".options:not([data-retired])");
    for (var g = 0; g < groups.length; g++) {
      var live = answerButtons(groups[g]);
      for (var i = 0; i < live.length; i++) {
        if (busy) live[i].setAttribute("aria-disabled", "true");
        else live[i].removeAttribute("aria-disabled");
      }
    }
  }

  /** Queues an input; each keeps its id across retries so the server handles it once. */
  function submit(engineInput, editing) {
    state.queue.push({ id: newId(), input: engineInput });
    if (editing) state.current = editing;
    pump();
  }

  function pump() {
    if (state.busy || state.paused || state.queue.length === 0) return;
    var entry = state.queue[0];
    setBusy(true);
    post("/web/api/messages", { id: entry.id, input: entry.input })
      .then(
        function (result) {
          setBusy(false);
          state.queue.shift();
          if (result.ok) return handleReply(result.data);
          refused(result, function () {
            state.queue.unshift(entry);
          });
        },
        function () {
          // Lost on the way: the same id goes again on "retry", so a message that did arrive
          // is not handled twice.
          setBusy(false);
          pause(t("error.network"));
        },
      )
      .then(function () {
        settled();
        pump();
      });
  }

  /** Counts finished requests on <body data-settled>, so tests can wait for a reply. */
  function settled() {
    var count = parseInt(document.body.getAttribute("data-settled") || "0", 10) + 1;
    document.body.setAttribute("data-settled", String(count));
  }

  /** Stops sending until the resident taps the action (retry, or start over). */
  function pause(message, action) {
    state.paused = true;
    notice(
      message,
      action || {
        label: t("page.retry"),
        run: function () {
          state.paused = false;
          pump();
        },
      },
    );
  }

  function handleReply(data) {
    var next = data.lang && data.lang !== state.lang ? useLang(data.lang) : Promise.resolve();
    return next.then(function () {
      if (data.duplicate) {
        // Our earlier copy of this message was handled but its answer was lost: ask where we are.
        submit({ kind: "open", survey: false });
        return;
      }
      render(data.messages || []);
      renderImages(data.images || []);
    });
  }

  function restart() {
    window.location.assign("/");
  }

  /** Shows why a request was refused, with the action that can help. */
  function refused(result, requeue) {
    var message = result.data && typeof result.data.message === "string" ? result.data.message : t("error.server");
    if (result.status === 401 || result.status === 403) return pause(message, { label: t("page.restart"), run: restart });
    if (result.status === 429 || result.status >= 500) {
      // Not handled by the server: the same message may simply go again.
      requeue();
      return pause(message);
    }
    notice(message);
  }

  // ------------------------------------------------------------------ pushes

  function listen() {
    if (typeof window.EventSource === "function") {
      var source = new window.EventSource("/web/api/events");
      source.addEventListener("push", function (event) {
        var push;
        try {
          push = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        render(push.messages || []);
      });
      // A newer tab of this browser took the live updates over. Reconnecting would take them
      // back by closing the next oldest tab, and so on round the tabs: stop until this tab is
      // looked at again.
      source.addEventListener("superseded", function () {
        source.close();
        if (state.pushes !== source) return;
        state.pushes = null;
        state.superseded = true;
      });
      // A refusal (the server is full) closes the source for good instead of reconnecting.
      source.addEventListener("error", function () {
        if (source.readyState !== 2 || state.pushes !== source) return;
        state.pushes = null;
        setTimeout(function () {
          if (state.pushes === null && !state.superseded) listen();
        }, 60000);
      });
      state.pushes = source;
      return;
    }
    poll();
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !state.superseded) return;
    state.superseded = false;
    listen();
  });

  function poll() {
    fetch("/web/api/poll", { credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 200) {
          return response.json().then(function (body) {
            (body.pushes || []).forEach(function (push) {
              render(push.messages || []);
            });
            poll();
          });
        }
        if (response.status === 204) return poll();
        setTimeout(poll, 15000);
      })
      .catch(function () {
        setTimeout(poll, 15000);
      });
  }

  // ------------------------------------------------------------------ start

  function leafletRef() {
    var match = /^\/q\/([^/?#]+)$/.exec(window.location.pathname);
    return match ? decodeURIComponent(match[1]) : null;
  }

  /** A staff invitation link (/j/INV-…) carries the code to send. */
  function invitationCode() {
    var match = /^\/j\/([A-Za-z0-9_-]{1,40})$/.exec(window.location.pathname);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function start() {
    state.ref = leafletRef();
    statusLine.textContent = t("page.connecting");
    var body = { lang: navigator.language || state.lang };
    if (state.ref) body.ref = state.ref;
    post("/web/api/session", body)
      .then(function (result) {
        statusLine.textContent = "";
        if (!result.ok) {
          var message = result.data && typeof result.data.message === "string" ? result.data.message : t("error.server");
          var again = result.status === 429 || result.status >= 500;
          // A bad leaflet code or session: the plain chat page still works.
          return notice(message, again ? { label: t("page.retry"), run: start } : { label: t("page.restart"), run: restart });
        }
        state.csrf = result.data.csrf;
        return useLang(result.data.lang || state.lang).then(function () {
          // An invitation link is for staff joining: the code alone, not the survey's welcome first.
          var invitation = invitationCode();
          if (invitation) submit({ kind: "text", text: invitation });
          else submit({ kind: "open", survey: state.ref !== null });
          listen();
        });
      })
      .catch(function () {
        statusLine.textContent = "";
        notice(t("error.network"), { label: t("page.retry"), run: start });
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.replace(/^\s+|\s+$/g, "");
    if (text === "" || !state.csrf) return;
    input.value = "";
    said(text);
    submit({ kind: "text", text: text });
  });

  langSelect.addEventListener("change", function () {
    var lang = langSelect.value;
    useLang(lang).then(function () {
      if (state.csrf) submit({ kind: "lang", lang: lang });
    });
  });

  loadStrings(state.lang).then(function () {
    applyLang(state.lang);
    start();
  });
})();
