// Words of the page itself (sign-in, the key panel, what every view says) and the gateway's and
// ledger's refusal codes, in Chinese and English.
export const words = {
  zh: {
    title: "票据门户", language: "语言", logout: "退出", signIn: "登录", username: "用户名", password: "密码",
    party: "企业", yourKey: "本机签名密钥", keyHelp: "私钥保存在本浏览器中，不可导出。门户已用此密钥签名申请登记其公钥，待平台运营方批准。",
    publicKey: "公钥 (SPKI, base64url)", keyId: "密钥编号", amount: "金额(元)", status: "状态", back: "返回",
    history: "历史", signAndSend: "签名并提交", verify: "验证回执", verified: "回执已验证：已包含在账本检查点中",
    notVerified: "回执验证失败", keyRegistered: "公钥已在账本登记", keyPending: "公钥登记申请待运营方批准，暂不能签名提交",
    keyNotRegistered: "公钥尚未登记，暂不能签名提交", submitted: "已提交并记入账本", working: "处理中…",
  },
  en: {
    title: "Bill portal", language: "Language", logout: "Sign out", signIn: "Sign in",
    username: "Username", password: "Password", party: "Party",
    yourKey: "Signing key on this device",
    keyHelp: "The private key stays in this browser and cannot be exported. The portal asked for its public key to be registered, with a proof signed by this key; the platform operator approves it.",
    publicKey: "Public key (SPKI, base64url)", keyId: "Key id", amount: "Amount (yuan)",
    status: "Status", back: "Back", history: "History", signAndSend: "Sign and submit",
    verify: "Verify receipt", verified: "Receipt verified: included in the ledger checkpoint",
    notVerified: "Receipt verification failed",
    keyRegistered: "Public key registered on the ledger",
    keyPending: "Key registration pending the operator's approval: you cannot sign commands yet",
    keyNotRegistered: "Public key not registered yet: you cannot sign commands",
    submitted: "Submitted and recorded on the ledger", working: "Working…",
  },
};

export const refusals = {
  zh: {
    LOGIN_FAILED: "用户名或密码错误", LOGIN_THROTTLED: "登录失败次数过多，请稍后再试", RATE_LIMITED: "请求过于频繁，请稍后再试",
    UNAUTHENTICATED: "请先登录", CSRF_REFUSED: "页面已过期，请刷新后重试", PARTY_MISMATCH: "只能以本企业身份操作",
    STREAM_VERSION_CONFLICT: "票据已被更新，请刷新后重试", KEY_UNKNOWN: "签名公钥尚未登记", KEY_REVOKED: "签名公钥已被吊销",
    KEY_NOT_SIGNERS: "签名公钥不属于本企业", KEY_ALG_MISMATCH: "签名算法与登记的公钥不符",
    OUTSIDE_TIME_WINDOW: "时间不同步，请刷新后重试", VALIDATION_FAILED: "输入不正确",
    REPLAY_REFUSED: "该命令已提交过", SIGNATURE_MISMATCH: "签名无效", INVALID_ENVELOPE: "命令格式不正确",
    ENROLMENT_PROOF_INVALID: "密钥登记证明无效", ENROLMENT_KEY_TAKEN: "该密钥已由其他企业登记", INVALID_KEY: "公钥无效",
    PARTY_UNKNOWN: "企业未在平台登记", SERVICE_UNAVAILABLE: "服务暂不可用，请稍后再试",
  },
  en: {
    LOGIN_FAILED: "Wrong username or password",
    LOGIN_THROTTLED: "Too many failed sign-ins; try again later",
    RATE_LIMITED: "Too many requests; please slow down", UNAUTHENTICATED: "Please sign in",
    CSRF_REFUSED: "The page expired; reload and try again",
    PARTY_MISMATCH: "You can only act for your own party",
    STREAM_VERSION_CONFLICT: "The bill has changed; reload and try again",
    KEY_UNKNOWN: "Your signing key is not registered yet",
    KEY_REVOKED: "Your signing key was revoked",
    KEY_NOT_SIGNERS: "The signing key belongs to another party",
    KEY_ALG_MISMATCH: "The signature suite is not the registered key's",
    OUTSIDE_TIME_WINDOW: "Clock out of sync; reload", VALIDATION_FAILED: "Invalid input",
    REPLAY_REFUSED: "This command was already submitted", SIGNATURE_MISMATCH: "Invalid signature",
    INVALID_ENVELOPE: "Malformed command",
    ENROLMENT_PROOF_INVALID: "The key enrolment proof is invalid",
    ENROLMENT_KEY_TAKEN: "This key is enrolled for another party",
    INVALID_KEY: "Invalid public key", PARTY_UNKNOWN: "Your party is not admitted on the platform",
    SERVICE_UNAVAILABLE: "A service is unavailable; try again later",
  },
};
