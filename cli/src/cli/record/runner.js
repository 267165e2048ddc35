// The browser-cors recorder's runner page. PLAN (put in front of this script
// by the server) is {s, steps: [{url, init, wait_ms}], next}. For each step:
// wait wait_ms, tell the server the step begins (POST begin), call fetch()
// (aborted after 10 s: result "timeout"), and POST what script saw. Then go
// on to the next scenario with a top-level navigation to PLAN.next.
(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const post = async (what, i, body) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fetch(`/__oracle/${what}?s=${PLAN.s}&i=${i}`, {
          method: "POST",
          body: body === undefined ? "" : JSON.stringify(body),
          cache: "no-store",
        });
        return;
      } catch (e) {
        await sleep(100);
      }
    }
  };
  for (let i = 0; i < PLAN.steps.length; i++) {
    const step = PLAN.steps[i];
    if (step.wait_ms > 0) await sleep(step.wait_ms);
    await post("begin", i);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, 10000);
    let shown;
    try {
      const init = Object.assign({}, step.init, { signal: controller.signal });
      const r = await fetch(step.url, init);
      shown = {
        result: "response",
        type: r.type,
        status: r.status,
        redirected: r.redirected,
        url: r.url,
        headers: [...r.headers.keys()],
      };
    } catch (e) {
      shown = { result: timedOut ? "timeout" : "network-error", error: String(e) };
    }
    clearTimeout(timer);
    await post("result", i, shown);
  }
  location.replace(PLAN.next);
})();
