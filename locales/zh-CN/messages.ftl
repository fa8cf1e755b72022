# 语音留言与短信

voice-hint = 不方便打字？按住下面的大按钮说话，最多一分钟；或点一下开始，再点一下结束。
voice-start = 🎙 按住说话
voice-stop = ■ 说完了，点这里
voice-left = 正在录音，还剩 %s 秒
voice-sending = 正在保存录音……
voice-recorded = 录好了（%s）。可以先听一听，再提交。
voice-kept = 您的语音留言已保存，提交时一起发送。
voice-failed = 录音没有保存成功，请再试一次，或者打字。
voice-denied = 无法使用麦克风。请允许使用麦克风，或者打字。
voice-again = 删除，重新录
voice-messages = 语音留言
voice-message = 语音留言
voice-summary-by = 以上文字由工作人员 { $name } 根据语音留言整理。
voice-summary-label = 请听完录音，用一两句话写下居民说的事
voice-summary-hint = 写下的文字会代替“语音留言”显示并可被搜索，并注明是您整理的。
voice-summary-save = 保存摘要
summary-required = 请写下这条语音留言说的是什么。
summary-no-voice = 这条诉求没有语音留言。
event-summarised = 工作人员根据语音留言写了摘要

recording-error-empty = 录音是空的，没有录到声音。请按住按钮说话。
recording-error-too-large = 录音太大了（超过 2 MB）。请说得简短一些，一分钟以内。
recording-error-too-long = 录音超过了一分钟。请说得简短一些。
recording-error-not-audio = 这不是录音文件。
recording-error-video = 这段录音带有画面，我们只收声音。请只录声音。
recording-error-codec = 这种录音格式我们不能播放。请用本页面的录音按钮录音。
recording-error-unreadable = 录音文件不完整，无法读取。请再录一次。
recording-error-gone = 您的语音留言已失效，请重新录一次。
field-phone-for-text = 要发短信给您，需要您的手机号码。
field-phone-not-mobile = 这个号码收不到短信（像是座机）。请填写手机号码，或选择其他联系方式。
contact-text = 发短信告诉我
