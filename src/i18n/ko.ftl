# Firewatch의 한국어 문구. 여기 있는 모든 메시지는 en.ftl에도 있습니다(테스트로 확인).

## 시간

time-ago = { $span } 전
time-in = { $span } 후
time-just-now = 방금
time-never = 없음
time-in-zone = 시간대

## 개수

count-changes = 변경 { $count }건
count-pages = 호출 { $count }건
count-alerts = 알림 { $count }건

## 화면 틀

nav-overview = 개요
nav-incidents = 장애
nav-alerts = 알림
nav-oncall = 당직
nav-services = 서비스
nav-changes = 변경
nav-postmortems = 포스트모템
nav-action-items = 후속 조치
nav-insights = 지표
nav-noise = 알림 소음
nav-silences = 무음
nav-checks = 점검
nav-status-components = 상태 페이지
nav-events = 이벤트
nav-deliveries = 전송
nav-tokens = 토큰
nav-users = 사용자
nav-audit = 감사 로그
nav-menu-learn = 배우기
nav-menu-operate = 운영
nav-menu-admin = 관리
nav-main = 주 메뉴
frame-theme = 테마
frame-theme-title = 밝은 테마, 어두운 테마, 시스템 테마 사이를 전환합니다
frame-theme-dark = 어둡게
frame-theme-light = 밝게
frame-theme-auto = 자동
frame-sign-out = 로그아웃
role-viewer = 조회자
role-responder = 대응자
role-admin = 관리자

## 공통 동작

action-acknowledge = 확인
action-resolve = 해결
action-escalate-now = 지금 에스컬레이션
action-redrive = 다시 보내기
action-save = 저장
action-cancel = 취소
action-delete = 삭제
action-filter = 거르기
action-approve = 승인
action-reject = 반려

## 배지로 보이는 상태

state-firing = 발생 중
state-acknowledged = 확인됨
state-silenced = 무음
state-inhibited = 억제됨
state-resolved = 해결됨
state-triage = 분류 중
state-active = 대응 중
state-mitigated = 완화됨
state-learning = 회고 중
state-closed = 종료
state-declined = 기각
state-ignored = 무시됨
state-accepted = 수락됨
state-delivered = 전달됨
state-dead = 전달 실패
state-retrying = 재시도 중
state-pending = 대기 중
state-healthy = 정상
state-refused = 메시지 거부됨
state-failing = 실패 중
state-idle = 유휴
state-published = 게시됨
state-in-review = 검토 중
state-draft = 초안
state-completed = 완료
state-not-doing = 하지 않음
state-outstanding = 남음
severity-critical = 심각
severity-error = 오류
severity-warning = 경고
severity-info = 정보

## 로그인 (서버가 보내는 메시지)

login-too-many = 로그인 시도가 너무 많습니다. { $wait } 뒤에 다시 시도하세요.
login-wrong = 사용자 이름이나 비밀번호가 틀렸습니다.

## alerts.html
alerts-unchanged = 바뀐 것이 없습니다. 다른 사람이 먼저 처리했습니다.
alerts-task-closed = 작업을 닫았습니다.
alerts-task-unchanged = 바뀐 것이 없습니다. 작업이 이미 닫혀 있었습니다.
alerts-changed-acknowledged = 알림을 확인했습니다.
alerts-changed-resolved = 알림을 해결했습니다.
alerts-changed = 알림 변경: { $change }
alerts-reason-unacknowledged = 미확인
alerts-reason-recurring = 반복 발생
alerts-tasks = 작업
alerts-tasks-open = { $count }건 열림
alerts-no-service = 서비스 없음
alerts-no-team = 팀 없음
alerts-task-opened = { $ago } 열림
alerts-task-close-confirm = 이 작업을 닫을까요? 알림을 처리한 뒤에 닫으세요.
alerts-task-close = 닫기
alerts-no-open-tasks = 열린 작업이 없습니다.
alerts-recently-closed = 최근에 닫힘
alerts-why = 사유
alerts-alert = 알림
alerts-service = 서비스
alerts-team = 팀
alerts-opened = 열림
alerts-closed = 닫힘
alerts-state-open = 열림
alerts-state-all = 전체
alerts-filter-label = 알림 거르기
alerts-state = 상태
alerts-severity = 심각도
alerts-severity-any = 전체
alerts-service-placeholder = 예: api
alerts-fired = { $ago } 발생
alerts-fire-count = ({ $count }회)
alerts-acknowledged-by = { $name } 님이 확인
alerts-empty-open = 열린 알림이 없습니다.
alerts-empty-filtered = 이 조건에 맞는 알림이 없습니다.

## alert.html
alert-by = { $name } 님
alert-part-of = 관련 장애:
alert-summary = 요약
alert-fired = 발생
alert-fire-count = { $count }회
alert-resolved = 해결
alert-labels = 레이블
alert-source = 출처
alert-page-sent = 보냄
alert-page-failed = 실패
alert-page-unreachable = 연락 불가
alert-page-cancelled = 취소됨
alert-page-folded = 합쳐짐
alert-escalation = 에스컬레이션: { $policy }
alert-escalation-paging = 호출 중
alert-escalation-alerts = 알림 { $count }건이 이 에스컬레이션을 함께 씁니다.
alert-escalation-started-next = { $at }에 시작했고, 다음 단계는 { $ago }입니다.
alert-escalation-started = { $at }에 시작했습니다.
alert-pages = 호출
alert-step = 단계
alert-who = 대상자
alert-how = 수단
alert-state = 상태
alert-due = 예정
alert-sent = 보낸 시각
alert-page-step = { $step } ({ $round }회차)
alert-no-pages = 아직 호출이 없습니다.
alert-log = 기록
alert-change-fired = 발생
alert-changes = 변경 내역

## silences.html
silences-heading = 무음과 유지보수
silences-created = 무음을 만들었습니다. 해당 알림은 이제 조용합니다.
silences-expired = 무음을 끝냈습니다. 해당 알림 중 아직 발생 중인 것은 이제 알립니다.
silences-unchanged = 바뀐 것이 없습니다. 이미 끝나 있었습니다.
silences-status = 상태
silences-covers = 대상
silences-when = 기간
silences-why = 사유
silences-by = 만든 사람
silences-status-active = 적용 중
silences-status-expired = 만료됨
silences-maintenance = 유지보수
silences-expire-confirm = 이 무음을 끝낼까요? 해당 알림 중 아직 발생 중인 것은 알리게 됩니다.
silences-expire = 끝내기
silences-live = 적용 중이거나 예정된 무음
silences-empty = 무음 중인 것이 없습니다.
silences-new = 새 무음
silences-matchers = 매처
silences-service = 서비스
silences-service-placeholder = 유지보수 기간용, 예: api
silences-duration = 지속 시간
silences-repeat = 반복 (cron)
silences-cron-placeholder = 유지보수만, 예: 0 2 * * sun
silences-timezone = 시간대
silences-timezone-placeholder = cron의 시간대, 예: Asia/Seoul
silences-why-placeholder = 무슨 작업을 누가 하는지
silences-submit = 무음 설정
silences-recently-ended = 최근에 끝남

## noise.html
noise-title = 소음
noise-by-rule = 규칙
noise-by-service = 서비스
noise-by-team = 팀
noise-heading = 소음 보고서
noise-download-csv = CSV 내려받기
noise-settings = 소음 보고서 설정
noise-by = 기준
noise-last-days = 최근 일수
noise-days-placeholder = 기본값: 7
noise-from = 시작
noise-from-placeholder = 예: 2026-11-02T00:00:00Z
noise-to = 끝
noise-to-placeholder = 기본값: 지금
noise-auto-resolve-within = 자동 해결 기준 (분)
noise-show = 보기
noise-window = { $from }부터 { $to }까지 ({ $days }일).
noise-auto-resolved-means = 자동 해결: 발생 후 { $minutes }분 안에 보낸 쪽에서 해결한 알림입니다.
noise-page-means = 호출은 심각(critical) 알림의 발생입니다.
noise-activity-title = 발생과 그 결과
noise-fired = 발생
noise-notified = 알림 보냄
noise-acknowledged = 확인됨
noise-auto-resolved = 자동 해결
noise-bar-fired = 발생 { $count }건
noise-bar-notified = 알림 보냄 { $count }건
noise-bar-acknowledged = 확인됨 { $count }건
noise-bar-auto-resolved = 자동 해결 { $count }건
noise-more-keys = 나머지 조용한 { $by } { $count }개는 아래 표에 있습니다.
noise-pages-title = 예산 대비 주당 호출
noise-pages-a-week = 주당 호출
noise-over-budget = 예산 초과
noise-budget = 예산
noise-pages-of-budget = { $pages } / { $budget }
noise-over = 초과
noise-budgets-by-team = 예산은 팀에 속합니다. 비교하려면 팀이나 서비스 기준으로 보고서를 보세요.
noise-no-pages-no-budget = 이 기간에 호출이 없었고, 여기에는 호출 예산이 있는 { $by }도 없습니다.
noise-no-pages = 이 기간에 호출이 없었습니다.
noise-col-rule = 규칙
noise-col-service = 서비스
noise-col-team = 팀
noise-col-fires = 발생
noise-col-notified = 알림 보냄
noise-col-acked = 확인
noise-col-acked-share = 확인 %
noise-col-auto-resolved = 자동 해결
noise-col-auto-share = 자동 %
noise-col-flapping = 깜빡임
noise-col-median-ack = 확인까지 중앙값
noise-col-median-resolve = 해결까지 중앙값
noise-col-pages = 호출
noise-col-pages-week = 주당 호출
noise-col-budget-week = 주당 예산
noise-empty = 이 기간에 발생하거나 바뀌거나 알림을 보낸 알림이 없습니다.

## checks.html
checks-failing = 실패 { $count }건
checks-intro = Firewatch가 직접 점검하는 대상입니다(설정의 <code>{ $config }</code>). 점검은 연속 실패 횟수를 채우면 알림을 보내고 연속 성공 횟수를 채우면 해결하며, 그 알림은 알림 페이지에 있습니다.
checks-state = 상태
checks-check = 점검
checks-last-result = 최근 결과
checks-last-24h = 최근 24시간
checks-last-days = 최근 { $days }일
checks-next-run = 다음 실행
checks-passing = 통과 중
checks-not-run-yet = 아직 실행 안 됨
checks-outcome-ok = 정상
checks-outcome-failed = 실패
checks-availability = 가용률 { $availability }
checks-latency = 평균 { $latency }
checks-no-runs = 실행 없음
checks-strip-label = { $name }의 가용률, 하루에 막대 하나
checks-legend-999 = 99.9% 이상
checks-legend-99 = 99% 이상
checks-legend-below-99 = 99% 미만
checks-empty = 설정된 점검이 없습니다. 설정에 <code>{ $config }</code> 항목(HTTP, TCP, TLS 만료)을 추가하세요. 방법은 docs/alerts.md(Built-in checks)에 있습니다.
heartbeats-title = 하트비트
heartbeats-intro = Firewatch에 핑을 보내는 작업입니다(<code>{ $config }</code>, 그리고 alertmanager 연동의 워치독). 기한까지 핑이 오지 않거나 작업이 실패를 알리면 알림이 됩니다.
heartbeats-heartbeat = 하트비트
heartbeats-last-ping = 최근 핑
heartbeats-due = 다음 핑 기한
heartbeats-late = 지연
heartbeats-failed = 실패
heartbeats-up = 정상
heartbeats-waiting = 첫 핑 대기 중
heartbeats-never = 없음
heartbeats-last-failure = { $at }에 실패 보고
heartbeats-empty = 설정된 하트비트가 없습니다. 설정에 <code>{ $config }</code> 항목을 추가하고, 작업이 끝나면 <code>/heartbeats/NAME</code>으로 핑을 보내게 하세요. 방법은 docs/alerts.md(Heartbeats)에 있습니다.

## oncall.html
oncall-override-saved = 당직 교체를 저장했습니다. 시작 시각부터 호출이 이를 따릅니다.
oncall-override-removed = 당직 교체를 삭제했습니다.
oncall-test-page-sent = 연락 수단마다 테스트 호출을 보냈습니다.
oncall-now-by-team = 지금, 팀별
oncall-schedule-until = { $schedule }, { $at }까지
oncall-nobody = 없음
oncall-shadow-heading = 섀도 호출
oncall-shadow-on = { $policies }에 섀도 모드가 켜져 있습니다. 아래 호출은 결정되고 기록되었을 뿐 하나도 보내지지 않았습니다. 전환하기 전에 기존 호출 도구의 기록과 비교하세요.
oncall-shadow-off = 지금은 섀도 모드가 꺼져 있습니다. 아래 호출은 켜져 있던 동안 기록되었고, 하나도 보내지지 않았습니다.
oncall-shadow-step-of = { $step }단계, { $round }회차
oncall-shadow-due = 예정
oncall-shadow-none = 아직 보냈을 호출이 없습니다.
oncall-policy-gaps = 첫 단계에서 아무에게도 닿지 않는 정책
oncall-mine = 내 당직: { $name }
oncall-no-shifts = 앞으로 2주 동안 당직이 없습니다.
oncall-contact-methods = 연락 수단:
oncall-no-contacts = 없음: 호출이 아무에게도 닿지 않습니다
oncall-when-paged = 호출 시:
oncall-send-test-page = 테스트 호출 보내기
oncall-now = 지금:
oncall-name-until = <strong>{ $name }</strong>, { $at }까지
oncall-override = 당직 교체
oncall-nobody-on-call = 당직자 없음:
oncall-timeline-label = 앞으로 2주 동안의 { $name }
oncall-day-by-day = 날짜별 ({ $tz })
oncall-calendar-feed-admin = 캘린더 피드: <code>{ $url }?token=…</code>, <code>{ $scope }</code> 권한이 있는 토큰으로(<a href="/tokens">토큰 만들기</a>).
oncall-calendar-feed = 캘린더 피드: <code>{ $url }?token=…</code>, <code>{ $scope }</code> 권한이 있는 토큰으로.
oncall-overrides = 당직 교체
oncall-override-for = { $replaces } 대신 { $person }
oncall-by = { $name } 님이 등록
oncall-remove = 삭제
oncall-no-schedules = 아직 일정이 없습니다. 설정에 <code>{ $config }</code>를 추가하세요.
oncall-override-heading = 당직 교체
oncall-new-override = 새 당직 교체
oncall-schedule = 일정
oncall-who-takes-over = 맡을 사람
oncall-in-place-of = 대신할 사람
oncall-replaces-nobody = 없음: 현재 당직자와 함께 추가
oncall-from = 시작 ({ $tz })
oncall-until = 끝 ({ $tz })
oncall-save-override = 당직 교체 저장

## services.html
services-truncated = 열린 알림이 천 건이 넘습니다. 아래 개수는 최근 천 건 기준입니다.
services-status-incident = 장애
services-status-alerting = 알림 발생
services-status-ok = 정상
services-team = 팀
services-on-call = 당직
services-until = { $at }까지
services-nobody = 없음
services-then = 다음 { $name }, { $ago }
services-no-schedule = 이 서비스를 호출하는 일정이 없습니다
services-incidents = 장애
services-none-open = 열린 것 없음
services-alerts = 알림
services-firing = 발생 중 { $count }건
services-acknowledged = 확인됨 { $count }건
services-deployed = 배포
services-no-deployments = 확인된 배포 없음
services-status-page = 상태 페이지
services-set = 설정
services-repositories = 저장소
services-empty = 아직 서비스가 없습니다. 설정에 <code>{ $config }</code>를 추가하세요. 각각 팀, 저장소, 에스컬레이션 정책을 지정합니다.

## page_link.html
page-link-what = 내용
page-link-severity = 심각도
page-link-service = 서비스
page-link-alerts = 알림
page-link-state = 상태
page-link-by = { $name } 님
page-link-resolve-means = 해결하면 이 호출과 관련된 모든 알림이 끝납니다.
page-link-acknowledge-means = 확인하면 모두에게 에스컬레이션이 멈추고 다른 사람은 호출되지 않습니다.

## chat_link.html
chat-link-title = 채팅 계정 연결
chat-link-linked = 연결했습니다. 이제 { $app }의 버튼과 <code>{ $command }</code> 명령은 { $name } 님으로 동작합니다. 대화로 돌아가 다시 시도하세요.
chat-link-unknown = <strong>{ $app }</strong>의 누군가(채팅 앱 <code>{ $app_id }</code>, 사용자 <code>{ $user }</code>)가 Firewatch에 작업을 요청했지만, Firewatch는 그 사람이 누구인지 모릅니다.
chat-link-if-you = 본인이라면 연결하세요. 그 뒤로 그 채팅 사용자가 Firewatch에서 하는 일은 <strong>{ $name }</strong> 님의 역할({ $role })로 처리됩니다.
chat-link-submit = 나와 연결
chat-link-not-you = 본인이 아니라면 이 페이지를 닫으세요. 버튼을 누르기 전에는 아무것도 연결되지 않습니다.

## login.html
login-sign-in = 로그인
login-first-run = 아직 아무도 로그인할 수 없습니다. 서버에서 첫 관리자를 만드세요:
login-user-name = 사용자 이름
login-password = 비밀번호

## insights.html

insights-same-figures = 같은 수치는 <code>{ $cli }</code>, <code>{ $api }</code>(JSON 또는 CSV), <code>{ $endpoint }</code>의 Prometheus 게이지로도 볼 수 있습니다.
insights-settings = 지표 설정
insights-service = 서비스
insights-all = 전체
insights-team = 팀
insights-environment = 환경
insights-environment-placeholder = 기본값: 운영 환경
insights-days = 최근 일수
insights-days-placeholder = 기본값: 30
insights-from = 시작
insights-from-placeholder = 예: { $example }
insights-to = 끝
insights-to-placeholder = 기본값: 지금
insights-bands = 등급 기준
insights-show = 보기
insights-window = { $from }부터 { $to }까지, 환경: { $environments }. 배포 후 { $window } 안에 일어난 장애는 그 배포의 실패로 셉니다.
insights-environments-none = 없음
insights-bands-source = 등급 기준: { $source }.
insights-dora = DORA의 다섯 가지 핵심 지표
insights-quick-check-overall = Quick Check(2025) 점수 10점 만점에 { $score }점
insights-na = 해당 없음
insights-quick-check-title = 2025년 DORA Quick Check 점수(0~10점)
insights-quick-check-card = Quick Check { $score }점
insights-methods = 계산 방법
insights-quick-check-score = Quick Check 점수
insights-chart-title = 주별 { $title }
insights-chart-note-missing = 점선은 등급 경계입니다. { $count }주는 값이 없었습니다. 점을 누르면 그 주의 배포를 엽니다.
insights-chart-note = 점선은 등급 경계입니다. 점을 누르면 그 주의 배포를 엽니다.
insights-chart-empty = 기간 안에 값이 있는 주가 없습니다.
insights-operations = 운영
insights-mtta = 확인까지 걸린 시간(중앙값)
insights-mttr = 해결까지 걸린 시간(중앙값)
insights-incidents = 장애
insights-postmortems = 게시된 포스트모템
insights-postmortems-detail = { $required }건 중 { $published }건, { $missing }건은 시작 전
insights-items-closed = 닫힌 후속 조치
insights-items-closed-detail = 기간 중 만든 { $created }건 중
insights-items-overdue = 기한이 지난 후속 조치
insights-items-outstanding = { $outstanding }건 남음
insights-incident-weeks = 주별 장애(심각도별)
insights-incident-weeks-empty = 이 기간에 시작된 장애가 없습니다.
insights-pages-title = 주별 호출 수와 예산
insights-pages = 호출
insights-per-week = 주당
insights-budget = 예산
insights-over-budget = 초과
insights-pages-empty = 이 기간에 호출이 없었습니다.
insights-noisiest = 가장 시끄러운 알림 규칙
insights-noisiest-counts = : 발생 { $fires }회, 알림 { $notices }건
insights-deployments-failed = 실패한 배포
insights-deployments-unplanned = 계획에 없던 배포
insights-deployments = 배포
insights-show-all = 모두 보기
insights-finished = 완료
insights-version = 버전
insights-kind = 종류
insights-status = 상태
insights-changes = 변경
insights-failed = 실패
insights-success = 성공
insights-listed-latest = 최근 { $count }건만 보입니다. 나머지는 기간을 좁히면 볼 수 있습니다.
insights-deployments-empty-failed = 이 기간에 끝난 운영 환경 배포 중 실패한 배포가 없습니다.
insights-deployments-empty-unplanned = 이 기간에 끝난 운영 환경 배포 중 계획에 없던 배포가 없습니다.
insights-deployments-empty = 이 기간에 끝난 운영 환경 배포가 없습니다.
insights-deployments-sources = 배포 기록은 GitHub, GitLab, Jenkins, Argo CD, <code>{ $cli }</code>, <code>{ $api }</code>에서 들어옵니다.

## deployment.html

deployment-title = 배포 { $version }
deployment-back = { $service } 지표
deployment-heading = { $environment }에 배포한 { $service } { $version }
deployment-finished = 완료
deployment-started = 시작
deployment-status = 상태
deployment-success = 성공
deployment-kind = 종류
deployment-from = 출처
deployment-open = 열기
deployment-repository = 저장소
deployment-commit = 커밋
deployment-changes = 배포된 변경
deployment-seed = { $environment }에 대한 { $service }의 첫 배포입니다. 기준이 되는 배포로, 앞선 배포가 없어 변경을 셀 수 없습니다. 리드 타임에 들어가지 않습니다.
deployment-changes-unknown = 이 배포의 커밋이 저장된 푸시에 없어 변경을 알 수 없으므로 리드 타임에 들어가지 않습니다(0으로 세지 않습니다). 저장소 서비스의 푸시 이벤트를 보내거나, 배포를 기록할 때 <code>{ $field }</code> 목록을 넣으십시오.
deployment-failed = 실패한 배포는 아무것도 내보내지 않습니다. 그 변경은 다음에 성공한 배포에서 셉니다.
deployment-change-title = 제목
deployment-author = 작성자
deployment-first-committed = 첫 커밋
deployment-lead-time = 리드 타임
deployment-redeployment = 이 배포와 앞선 배포 사이에 커밋이 없습니다. 재배포입니다.

## events.html

events-filter = 이벤트 거르기
events-source = 출처
events-any = 전체
events-integration = 연동
events-kind = 종류
events-example = 예: { $example }
events-repository = 저장소
events-status = 상태
events-clear = 초기화
events-received = 받은 시각
events-summary = 요약
events-none-match = 조건에 맞는 이벤트가 없습니다.
events-none = 저장된 이벤트가 아직 없습니다.
events-pager = 페이지 이동
events-newest = 최신
events-older = 이전

## event.html

event-title = { $kind } 이벤트
event-received = 받은 시각
event-source = 출처
event-source-via = { $source } (<code>{ $integration }</code> 경유)
event-kind = 종류
event-status = 상태
event-repository = 저장소
event-link = 링크
event-id = ID
event-dedup-key = 멱등 키
event-notifications = 알림 전송
event-destination = 대상
event-state = 상태
event-attempts = 시도
event-last-result = 마지막 결과
event-updated = 갱신
event-notifications-pruned = 남은 알림이 없습니다. 보낸 알림은 { $days }일 뒤에 지웁니다([retention] finished_job_days).
event-notifications-empty = 이 이벤트를 보낸 경로가 없습니다.
event-normalized = 정규화된 기록
event-payload = 페이로드
event-payload-size-json = { $bytes }바이트, JSON은 들여쓰기해 표시
event-payload-size = { $bytes }바이트
event-payload-pruned = [retention] payload_days = { $days } 보관 기간이 지나 헤더와 본문을 지웠습니다. 여기서 읽어 낸 내용은 남아 있습니다. 지운 때:
event-download = 받은 그대로 내려받기
event-headers = 요청 헤더
event-headers-redacted = 자격 증명은 저장하기 전에 가렸습니다.

## deliveries.html

deliveries-redriven-none = 다시 보낼 것이 없습니다. 해당하는 전송 실패가 없습니다.
deliveries-redriven = 알림 { $count }건을 다시 대기열에 넣었습니다.
deliveries-destinations = 대상
deliveries-destination = 대상
deliveries-state = 상태
deliveries-last-success = 마지막 성공
deliveries-last-failure = 마지막 실패
deliveries-delivered-24h = 24시간 전달
deliveries-failed-24h = 24시간 실패
deliveries-pending = 대기
deliveries-retrying = 재시도
deliveries-dead = 전송 실패
deliveries-unconfigured = (설정에서 빠짐)
deliveries-destinations-empty = 설정된 대상이 없습니다. 설정에 <code>{ $section }</code> 항목을 추가하십시오.
deliveries-dead-letters = 전송 실패
deliveries-redrive-all = 전송 실패 { $count }건 모두 다시 보내기
deliveries-dead-letters-note = 재시도 기간이 끝날 때까지 실패했거나 대상이 거부한 알림입니다. 다시 보내면 새 재시도 기간으로 순서대로 다시 대기열에 넣습니다.
deliveries-event = 이벤트
deliveries-attempts = 시도
deliveries-last-result = 마지막 결과
deliveries-given-up = 포기한 시각
deliveries-event-link = 이벤트
deliveries-dead-letters-empty = 전송 실패가 없습니다.

## tokens.html

tokens-title = API 토큰
tokens-created = <strong>{ $name }</strong> 토큰을 만들었습니다. 지금 복사하십시오. 한 번만 표시됩니다.
tokens-new = 새 토큰
tokens-name = 이름
tokens-name-placeholder = 무엇이 쓸지, 예: { $example }
tokens-scopes = 범위
tokens-acts-as = 대리할 사용자
tokens-acts-as-nobody = 없음(변경을 승인할 수 없음)
tokens-user-role = { $name } ({ $role })
tokens-acts-as-note = 사용자를 대리하는 토큰은 범위와 관계없이 그 사용자의 역할이 허용하는 일만 할 수 있고, 사용자가 비활성화된 동안에는 동작하지 않습니다. 변경은 그 사용자로서 승인하지만, 그 사용자나 토큰을 만든 사람이 공지한 변경은 승인하지 않습니다.
tokens-create = 토큰 만들기
tokens-list = 토큰
tokens-id = ID
tokens-user = 사용자
tokens-made-by = 만든 사람
tokens-created-at = 만든 시각
tokens-state = 상태
tokens-revoked = { $at } 폐기됨
tokens-active = 유효
tokens-revoke-confirm = { $name } 토큰을 폐기하시겠습니까? 이 토큰을 쓰는 모든 것이 동작을 멈춥니다.
tokens-revoke = 폐기
tokens-empty = 토큰이 아직 없습니다.

## users.html

users-list = 사용자
users-name = 이름
users-role = 역할
users-added = 추가한 시각
users-state = 상태
users-role-of = { $name }의 역할
users-disabled = 비활성
users-active = 활성
users-enable = 활성화
users-disable = 비활성화
users-roles-note = 조회자는 모든 것을 볼 수 있고, 대응자는 알림·장애·전송에 대한 조치도 할 수 있으며, 관리자는 사용자와 토큰도 관리합니다. 사용자를 비활성화하면 그 사용자의 세션이 끝납니다.
users-add-title = 사용자 추가
users-password = 비밀번호
users-password-note = { $count }자 이상이어야 합니다. 비밀번호는 다른 방법으로 본인에게 알려 주십시오. Firewatch는 다시 보여 주지 않습니다.
users-add = 사용자 추가

## incident_new.html

incident-new-title = 장애 선언
incident-new-field-title = 제목
incident-new-title-placeholder = 고객이 보기에 무엇이 잘못되었는지
incident-new-severity = 심각도
incident-new-severity-hint = 얼마나 심각한지
incident-new-choose = 선택…
incident-new-severity-worst = { $severity } (가장 심각)
incident-new-priority = 우선순위
incident-new-priority-hint = 얼마나 급한지: 누구를 호출하고 얼마나 자주 업데이트할지
incident-new-priority-default = 심각도에 따름(SEV1은 P1, …)
incident-new-services = 영향받는 서비스
incident-new-services-paged = 에스컬레이션 정책이 있는 각 서비스의 당직자를 호출합니다.
incident-new-services-none = 설정에 <code>{ $section }</code> 항목이 없으므로 장애에 연결할 서비스가 없습니다.
incident-new-summary = 요약
incident-new-summary-placeholder = 지금까지 알려진 내용
incident-new-impact = 고객 영향
incident-new-impact-placeholder = 누가 어떻게 영향을 받는지
incident-new-declare = 선언

## postmortem.html

postmortem-title = 포스트모템 #{ $number }
postmortem-heading = 포스트모템: #{ $number } { $title }
postmortem-incident = 장애
postmortem-saved = 저장했습니다(버전 { $version }).
postmortem-saved-findings = 비난 표현 점검에서 고쳐 쓸 표현 { $count }개를 찾았습니다. 편집기 옆에 있습니다.
postmortem-in-review = 검토 단계로 옮겼습니다.
postmortem-published = 게시했습니다.
postmortem-published-learning = 후속 조치가 끝날 때까지 장애는 회고 중 상태로 남습니다.
postmortem-draft = 초안으로 되돌렸습니다.
postmortem-conflict = 편집을 시작한 버전 { $base } 뒤에 { $by } 님이 { $at }에 새 버전({ $version })을 저장해서, 편집한 내용은 저장되지 않았습니다.
postmortem-conflict-merge = 작성한 글은 편집기에 그대로 있고 상대의 글은 그 아래에 있습니다. 변경 내용을 상대의 글에 합친 뒤 저장하십시오.
postmortem-state = 상태
postmortem-last-change = 마지막 변경
postmortem-last-change-detail = { $by }, { $at }({ $ago }), 버전 { $version }
postmortem-published-at = 게시
postmortem-export = Markdown 내보내기
postmortem-markdown = Markdown
postmortem-edit = 포스트모템 편집
postmortem-source = Markdown 형식의 포스트모템
postmortem-check-advises = 옆의 비난 표현 점검은 조언일 뿐이며, 이 때문에 저장이 거부되지는 않습니다.
postmortem-newer-version = { $by } 님이 저장한 버전 { $version }
postmortem-newer-text = 새로 저장된 글
postmortem-check = 비난 표현 점검
postmortem-finding = { $line }행: “{ $phrase }”
postmortem-no-findings = 비난하는 표현이 없습니다.
postmortem-preview = 미리 보기

## postmortems.html

postmortems-search-label = 포스트모템 검색
postmortems-search = 검색
postmortems-search-placeholder = 본문이나 제목의 단어
postmortems-state = 상태
postmortems-any = 전체
postmortems-incident = 장애
postmortems-last-change = 마지막 변경
postmortems-limited = 최근에 바뀐 { $count }건입니다. 더 오래된 것은 검색해서 찾으십시오.
postmortems-none-match = 맞는 포스트모템이 없습니다.
postmortems-none = 포스트모템이 아직 없습니다. 장애가 해결되면 초안이 만들어집니다.

## action_items.html

items-tabs = 후속 조치 보기
items-no-person = <code>{ $section }</code>에 <code>{ $key } = "{ $user }"</code>인 사람이 없어 내 후속 조치가 없습니다.
items-incident = 장애
items-title = 제목
items-owner = 담당자
items-due = 기한
items-priority = 우선순위
items-kind = 종류
items-status = 상태
items-tracker = 이슈 트래커
items-overdue = 기한 지남
items-issue = 이슈
items-limited = 처음 { $count }건만 보입니다.
items-none-overdue = 기한이 지난 후속 조치가 없습니다.
items-none-mine = 내 후속 조치가 없습니다.
items-none-outstanding = 남은 후속 조치가 없습니다.
items-none = 후속 조치가 아직 없습니다. 장애 페이지에서 추가하십시오.

## changes.html

changes-intro = 변경하기 전에 무엇을 바꿀지 먼저 알리십시오. 승인이 필요한 변경은 다른 한 사람의 승인을 기다립니다. 공지한 사람은 승인할 수 없습니다.
changes-state-pending = 승인 대기
changes-state-approved = 승인됨
changes-state-rejected = 반려됨
changes-state-expired = 만료됨
changes-state-announced = 공지됨
changes-risk-low = 낮음
changes-risk-medium = 보통
changes-risk-high = 높음
changes-state = 상태
changes-change = 변경
changes-service = 서비스
changes-risk = 위험도
changes-by = 공지한 사람
changes-when = 시각
changes-pending = 승인 대기
changes-pending-empty = 승인을 기다리는 변경이 없습니다.
changes-announce-title = 변경 공지
changes-summary = 무엇을, 왜
changes-summary-placeholder = 예: api의 Datadog 로그 필터 제거: 로그의 40%를 버림
changes-environment = 환경
changes-rollback = 되돌리기 계획
changes-rollback-placeholder = 되돌리는 방법
changes-needs-approval = 다른 사람의 승인 필요
changes-announce = 공지
changes-recent = 최근
changes-recent-empty = 공지된 변경이 아직 없습니다.

## change.html

change-title = 변경: { $summary }
change-announced = 공지했습니다. 팀에 알렸습니다.
change-announced-waits = 다른 사람의 승인을 기다립니다.
change-approved = 승인했습니다. 공지한 사람이 진행할 수 있습니다.
change-rejected = 반려했습니다. 공지한 대로 진행되지 않습니다.
change-state = 상태
change-state-pending-approval = 승인 대기
change-state-approved = 승인됨
change-state-rejected = 반려됨
change-state-expired = 만료됨
change-state-announced = 공지됨
change-service = 서비스
change-service-in = { $environment }의 <code>{ $service }</code>
change-risk = 위험도
change-risk-low = 낮음
change-risk-medium = 보통
change-risk-high = 높음
change-rollback = 되돌리기
change-announced-at = 공지
change-at-by = { $at }, { $by }
change-expires = 만료
change-expires-at = 아무도 결정하지 않으면 { $at }
change-decided = 결정
change-own = 직접 공지한 변경입니다. 다른 사람이 승인하거나 반려해야 합니다.
change-reason-placeholder = 반려 이유(선택)

## status_components.html

status-components-title = 상태 페이지 구성 요소
status-components-operational = 정상 운영
status-components-under-maintenance = 유지 보수 중
status-components-degraded-performance = 성능 저하
status-components-partial-outage = 부분 장애
status-components-major-outage = 대규모 장애
status-components-open-public = 공개 상태 페이지 열기
status-components-intro = 지금 고객에게 보이는 상태: <strong>{ $description }</strong>. 구성 요소의 상태는 해당 서비스의 진행 중인 공개 장애와 유지 보수 기간을 따릅니다. 여기서 설정한 상태는 해제할 때까지 우선하며, 상태 페이지에 직접 설정했다고 표시됩니다.
status-components-subscribers = 구독자: 확인 { $confirmed }명, 확인 대기 { $pending }명, 구독 해지 { $unsubscribed }명. 구독자는 고른 구성 요소의 장애에 대한 공개 업데이트를 받습니다.
status-components-no-subscribers = 상태 페이지가 구독자를 받지 않습니다. 이메일이나 웹훅으로 받으려면 <code>{ $section }</code> 항목을 설정하십시오.
status-components-saved = 저장했습니다. 이제 상태 페이지에 표시됩니다.
status-components-component = 구성 요소
status-components-now = 현재
status-components-set-by-hand = 직접 설정
status-components-manual = 직접 설정함
status-components-follow = 장애와 유지 보수를 따름
status-components-note-placeholder = 고객이 알아야 할 내용(선택)
status-components-empty = 구성 요소가 없습니다. 설정에 <code>{ $section }</code> 항목을 추가하십시오.

## error.html

error-back = 개요로 돌아가기

## 채팅 메시지: 모든 플랫폼에 붙는 것

chat-more = …외 { $count }개
chat-generic-title = { $integration }에서 온 { $kind } 이벤트
chat-generic-event = 이벤트{" "}
chat-generic-from = {" "}수신 경로{" "}
chat-generic-at = {" "}시각 { $at }
chat-generic-id = 이벤트 { $id }
action-post-update = 업데이트 게시

## 채팅의 알림

alert-word-firing = 발생
alert-word-acknowledged = 확인됨
alert-word-resolved = 해결됨
alert-word-silenced = 무음
alert-word-flapping = 깜빡임
alert-flapping = 깜빡임 구간 안에서 { $count }번 발생과 해결을 오갔습니다. 안정될 때까지 다음 발생과 해결은 알리지 않습니다
alert-steady = 깜빡임이 멈추고 안정되었습니다
alert-acknowledged-by = {""}
alert-acknowledged-by-after = {" "}님이 확인했습니다
alert-resolved-after = { $age } 만에 해결되었습니다
alert-fired-times = 지금까지 { $count }번 발생했습니다
alert-runbook = 런북
alert-service = {" "}· 서비스 { $service }
alert-group-still = 계속 발생 중
alert-group-new = 새 알림 { $new }건
alert-group-new-and-still = 새 알림 { $new }건, 계속 발생 중 { $old }건
alert-group-bullet-new = • 새{" "}
alert-group-flapping = {" "}(깜빡임)

## 호출 (채팅, 문자, 푸시, 음성)

page-open = 열기
page-sms-acknowledge = 확인:{" "}
page-test-title = Firewatch 테스트 호출
page-title = { $severity } 호출
page-title-service = { $severity } 호출: { $service }
page-voice-test = Firewatch의 테스트 호출입니다.
page-voice-opening = Firewatch의 { $severity } 호출입니다.
page-voice-more = 그리고 { $count }건이 더 있습니다.
page-voice-press = 확인하려면 { $digit }번을 누르세요.
page-voice-no-answer = 응답이 없습니다. 끊겠습니다.
page-chat-test-title = 테스트 호출
page-chat-title = 호출: { $summary }
page-chat-test = {" "}님, Firewatch의 테스트 호출입니다. 아무 문제도 없습니다.
page-chat-paged = {" "}님, 호출되었습니다.
page-chat-on = {" "}· { $service }

## 채팅의 포지 이벤트

forge-someone = 누군가
forge-by = 작성자{" "}
forge-by-after = {" "}· 실행자{" "}
forge-draft = {" "}· 초안
forge-reviewer = 리뷰어:{" "}
forge-author = 작성자 { $author }
forge-labels = 라벨: { $labels }
forge-branch = 브랜치 { $branch }
forge-compare = 변경 비교
forge-commit = 커밋{" "}
forge-run = {" "}· 실행 #{ $run }
forge-tag = 태그{" "}
forge-at = {" "}@{" "}
forge-issue = 이슈
forge-with-repo = { $repo }: { $text }
forge-pr-opened = 열림
forge-pr-closed = 닫힘
forge-pr-merged = 병합됨
forge-pr-reopened = 다시 열림
forge-pr-synchronize = 업데이트됨
forge-pr-ready-for-review = 리뷰 준비됨
forge-pr-review-requested = 리뷰 요청됨
forge-pr-converted-to-draft = 초안으로 전환됨
forge-pr-edited = 수정됨
forge-pr-title = { $noun } { $number } { $verb }: { $title }
forge-pr-summary = { $repo }: { $actor }님의 { $noun } { $number } { $verb }: { $title }
forge-review-approved-title = { $actor }님이 { $noun } { $number }을(를) 승인했습니다: { $title }
forge-review-approved-summary = { $repo }: { $actor }님이 { $noun } { $number }을(를) 승인했습니다
forge-review-changes-title = { $actor }님이 { $noun } { $number }에 변경을 요청했습니다: { $title }
forge-review-changes-summary = { $repo }: { $actor }님이 { $noun } { $number }에 변경을 요청했습니다
forge-review-reviewed-title = { $actor }님이 { $noun } { $number }을(를) 리뷰했습니다: { $title }
forge-review-reviewed-summary = { $repo }: { $actor }님이 { $noun } { $number }을(를) 리뷰했습니다
forge-pushed = { $actor }님이 { $branch }에 커밋 { $count }개를 푸시했습니다
forge-force-pushed = { $actor }님이 { $branch }에 커밋 { $count }개를 강제 푸시했습니다
forge-ref-tag = 태그
forge-ref-branch = 브랜치
forge-ref-created = 생성됨
forge-ref-deleted = 삭제됨
forge-ref-title = { $kind } { $title } { $action }
forge-ref-summary = { $repo }: { $kind } { $title } { $action } · { $actor }
forge-build-passed = 성공
forge-build-failed = 실패
forge-build-cancelled = 취소됨
forge-build-skipped = 건너뜀
forge-build-pending = 대기 중
forge-build = { $name } { $state }
forge-build-on = { $branch } 브랜치의 { $name } { $state }
forge-release = 릴리스 { $title } 게시됨
forge-prerelease = 사전 릴리스 { $title } 게시됨
forge-deploy-deployment = 배포
forge-deploy-rollback = 롤백
forge-deploy-revert = 되돌리기
forge-deploy-hotfix = 핫픽스
forge-deploy-succeeded = 성공
forge-deploy-failed = 실패
forge-deploy = { $environment }에 { $what } { $state }
forge-comment-title = { $author }님이 { $on } { $number }에 댓글을 남겼습니다: { $title }
forge-comment-summary = { $repo }: { $author }님이 { $on } { $number }에 댓글을 남겼습니다

## 열린 풀 리퀘스트 요약

digest-none = 열린 풀 리퀘스트가 없습니다
digest-title = 저장소 { $repositories }곳에 열린 풀 리퀘스트 { $total }건
digest-waiting-author = 작성자 차례
digest-approved = 승인됨
digest-waiting-on = { $who } 리뷰 대기
digest-needs-reviewer = 리뷰어 필요
digest-legend = ✅ 성공 · ❌ 실패 · ⏳ 실행 중이거나 보고 없음 · { $at } 기준 ({ $zone })

## 채팅의 장애

incident-about = { $severity } { $priority }
incident-about-on = { $services }의 { $severity } { $priority }
incident-chat-declared-title = 장애 선언: { $title }
incident-chat-declared = {" "}장애가 선언되었습니다. 지금 상태는 { $state }입니다. 장애 페이지에서 따라가세요.
incident-chat-acknowledged-title = 확인됨: { $title }
incident-chat-now-in = {" "}장애, 지금 상태는 { $state }입니다.
incident-chat-resolved = 해결됨
incident-chat-thanks = {" "}({ $about }). 모두 수고하셨습니다.
incident-chat-resolved-by = {""}
incident-chat-resolved-by-after = {" "}님이 해결했습니다
incident-chat-resolved-title = 해결됨: { $title }
incident-chat-commander = 지휘자
incident-chat-due-title = 업데이트 필요: { $title }
incident-chat-due = 님, 이 { $about } 장애에 { $within } 동안 상태 업데이트가 없었습니다. 바뀐 것이 없어도 하나 올려 주세요.
incident-chat-open = 장애 열기
incident-status-investigating = 조사 중
incident-status-identified = 원인 파악
incident-status-monitoring = 모니터링 중
incident-status-resolved = 해결됨
page-notice-step = : 에스컬레이션 { $step }단계({ $round }회차)가 이 채널에 도달했습니다. 멈추려면 확인하세요.
page-notice-open-alert = 알림 열기
page-notice-title = 호출 중: { $summary }

## overview.html
overview-deploy-failure = 실패
overview-deploy-hotfix = 핫픽스
overview-deploy-rollback = 롤백
overview-deploy-revert = 되돌림
overview-firing = 발생 중
overview-fired = { $ago } 발생
overview-all-firing = 발생 중 { $count }건 모두 보기 →
overview-nothing-firing = 발생 중인 알림이 없습니다.
overview-open-incidents = 진행 중인 장애
overview-led-by = 지휘자 { $name }
overview-no-commander = 지휘자 없음
overview-declared = { $ago } 선언
overview-no-open-incidents = 진행 중인 장애가 없습니다.
overview-declare = 장애 선언
overview-on-call-now = 현재 당직
overview-until = { $at }까지
overview-nobody-on-call = 당직자 없음
overview-next = 다음: { $name }, { $ago }
overview-schedules-link = 일정과 당직 교체 →
overview-no-schedules = 일정이 없습니다. 사람을 호출하려면 <code>{ $config }</code>와 에스컬레이션 정책을 추가하세요.
overview-recent-deployments = 최근 배포
overview-to-environment = { $environment }에 배포
overview-metrics-link = 지표 →
overview-no-deployments = 아직 배포가 없습니다. CI에서 <code>{ $api }</code>로 보내거나 GitHub, GitLab 배포 이벤트로 보내세요.
overview-pages-this-week = 이번 주 호출
overview-of-budget = / { $budget }
overview-over-budget = 예산 초과
overview-noise-link = 알림 소음 →
overview-no-pages = 최근 7일 동안 호출이 없습니다.
overview-intake-delivery = 수신과 전송
overview-counts = 개수
overview-events-today = 오늘 이벤트
overview-events-24h = 24시간 이벤트
overview-delivered-24h = 24시간 전송 완료
overview-failed-24h = 24시간 실패한 시도
overview-waiting = 전송 대기
overview-dead-letters = 전송 실패
overview-events-per-hour = 시간별 이벤트
overview-events-chart-label = 최근 24시간 동안 시간별로 저장된 이벤트, 출처별
overview-delivery-latency = 전송 지연
overview-latency-chart-label = 최근 24시간 동안 시간별 전송 지연, 50번째와 95번째 백분위수
overview-latency-note = 대기열에 들어간 때부터 전달될 때까지입니다. 시간별 p50과 p95이며, 지연 구간으로 추정합니다.
overview-recent-events = 최근 이벤트
overview-received = 수신
overview-source = 출처
overview-kind = 종류
overview-summary = 요약
overview-status = 상태
overview-all-events = 모든 이벤트 →
overview-no-events = 아직 이벤트가 없습니다. 설정의 연동에 맞춰 웹훅을 <code>{ $path }</code>로 보내세요.
overview-destinations = 대상
overview-destination = 대상
overview-state = 상태
overview-last-success = 마지막 성공
overview-waiting-col = 대기
overview-dead-col = 전송 실패
overview-destinations-failing = 대상 { $count }곳이 실패하고 있습니다. <a href="/deliveries">전송 보기</a>.
overview-no-destinations = 설정된 대상이 없습니다.

## incidents.html
incidents-state-open = 진행 중
incidents-state-all = 전체
incidents-state-merged = 병합됨
incidents-declare = 장애 선언
incidents-filter-label = 장애 거르기
incidents-search = 검색
incidents-search-placeholder = 제목이나 요약의 단어, 또는 #12
incidents-state = 상태
incidents-severity = 심각도
incidents-any = 전체
incidents-service = 서비스
incidents-title = 제목
incidents-services = 서비스
incidents-commander = 지휘자
incidents-declared = 선언
incidents-duration = 지속 시간
incidents-acknowledged = 확인
incidents-so-far = 지금까지
incidents-not-acknowledged = 안 됨
incidents-empty-open = 진행 중인 장애가 없습니다.
incidents-empty-filtered = 이 조건에 맞는 장애가 없습니다.

## incident.html
incident-state-merged = 병합됨
incident-update-investigating = 조사 중
incident-update-identified = 원인 파악
incident-update-monitoring = 모니터링 중
incident-update-resolved = 해결됨
incident-role-commander = 지휘자
incident-role-communications = 커뮤니케이션 담당
incident-role-scribe = 기록 담당
incident-assign-commander = 지휘자 지정
incident-assign-communications = 커뮤니케이션 담당 지정
incident-assign-scribe = 기록 담당 지정
incident-time-impact-started = 영향 시작
incident-time-detected = 감지
incident-time-acknowledged = 확인
incident-time-mitigated = 완화
incident-time-resolved = 해결
incident-kind-state = 상태
incident-kind-edit = 편집
incident-kind-note = 메모
incident-kind-change = 변경
incident-kind-role = 역할
incident-kind-update = 업데이트
incident-kind-acknowledged = 확인
incident-kind-alert = 알림
incident-kind-escalated = 에스컬레이션
incident-kind-page = 호출
incident-kind-reminder = 리마인더
incident-kind-ruled-out = 원인 제외
incident-kind-postmortem = 포스트모템
incident-kind-action-item = 후속 조치
incident-item-kind-mitigate = 완화
incident-item-kind-prevent = 예방
incident-declared-flash = 장애를 선언했습니다. 채널에 알렸고, 관련 서비스의 당직자를 호출했습니다.
incident-acknowledged-flash = 확인했습니다. 에스컬레이션이 멈췄습니다.
incident-resolved-flash = 해결했습니다.
incident-moved-flash = 장애가 이제 { $state } 상태입니다.
incident-role-flash = 역할을 지정했습니다.
incident-times-flash = 주요 시각을 저장했습니다.
incident-update-flash = 장애 채널에 업데이트를 게시했습니다.
incident-update-public-flash = 장애 채널과 상태 페이지에 업데이트를 게시했습니다.
incident-note-flash = 타임라인에 메모를 추가했습니다.
incident-attached-flash = 알림을 연결했습니다.
incident-attached-acknowledged = 장애와 함께 확인되었습니다.
incident-cause-flash = 의심 원인으로 표시했습니다.
incident-item-added-flash = 후속 조치를 추가했습니다.
incident-item-completed-flash = 후속 조치를 완료로 표시했습니다.
incident-item-not-doing-flash = 후속 조치를 하지 않음으로 표시했습니다.
incident-item-last-flash = 마지막 후속 조치였으므로 장애가 종료되었습니다.
incident-item-outstanding-flash = 후속 조치를 다시 남음으로 표시했습니다.
incident-post-update = 업데이트 게시
incident-declared = 선언
incident-declared-by = { $at } ({ $ago }), { $name } 님이 선언
incident-commander = 지휘자
incident-nobody-yet = 아직 없음
incident-services = 서비스
incident-none = 없음
incident-chat = 채팅
incident-summary = 요약
incident-customer-impact = 고객 영향
incident-suspected-cause = 의심 원인
incident-postmortem = 포스트모템
incident-postmortem-open-draft = 초안 열기
incident-postmortem-when-resolved = 장애가 해결되면 초안이 작성됩니다
incident-move-to = 상태 변경:
incident-move-confirm = 장애를 { $state } 상태로 옮길까요? 그 뒤로는 상태를 바꿀 수 없습니다.
incident-no-alerts = 연결된 알림이 없습니다.
incident-firing-on-services = 관련 서비스에서 발생 중
incident-attach = 연결
incident-attach-note = 연결한 알림은 장애와 함께 확인되어 호출이 멈춥니다.
incident-timeline = 타임라인
incident-oldest-first = 오래된 순
incident-starred = 별표
incident-timeline-empty = 아직 아무것도 없습니다.
incident-status-update = 상태 업데이트
incident-update-status = 상태
incident-update-message = 메시지
incident-update-placeholder = 예: 원인을 찾아 롤백하고 있습니다. 다음 업데이트는 30분 뒤입니다
incident-update-public = 공개
incident-update-help = 모든 업데이트는 장애 채널로 갑니다. 공개 업데이트는 고객이 읽는 상태 페이지에도 표시되니 고객을 위해 쓰세요.
incident-update-lifecycle = 라이프사이클이 허용하면 '모니터링 중'은 장애를 완화됨으로 표시하고 '해결됨'은 장애를 해결합니다.
incident-note = 메모
incident-note-text = 내용
incident-note-placeholder = 예: gateway-2 재시작, 오류는 그대로
incident-star-it = 별표 달기
incident-star-hint = (포스트모템용 주요 순간)
incident-add-note = 메모 추가
incident-status-updates = 상태 업데이트
incident-badge-public = 공개
incident-badge-internal = 내부
incident-roles = 역할
incident-since = { $at }부터
incident-nobody = 없음
incident-assign-role = { $role } 지정
incident-assign = 지정
incident-roles-no-people = 역할을 맡기려면 설정에 <code>{ $config }</code>를 추가하세요.
incident-role-history = 역할 기록
incident-now = 지금
incident-by = { $name } 님이 지정
incident-key-times = 주요 시각
incident-key-times-note = 이 순서를 지켜야 합니다. 지우려면 칸을 비우세요.
incident-save-key-times = 주요 시각 저장
incident-item-title = 제목
incident-item-owner = 담당자
incident-item-due = 기한
incident-item-priority = 우선순위
incident-item-kind = 종류
incident-item-status = 상태
incident-item-tracker = 트래커
incident-item-mark = 표시
incident-item-overdue = 기한 지남
incident-item-issue = 이슈
incident-item-not-made = 생성 안 됨
incident-mark-completed = 완료
incident-mark-not-doing = 하지 않음
incident-mark-outstanding = 남음
incident-items-none = 아직 없습니다.
incident-items-none-hint = 다음에 영향을 줄일 일(완화)이나 다시 일어나지 않게 할 일(예방)을 추가하세요.
incident-add-item-heading = 추가
incident-new-item = 새 후속 조치
incident-item-title-placeholder = 시스템에서 바꿀 것
incident-add-item = 후속 조치 추가
incident-items-no-people = 후속 조치에 담당자를 정하려면 설정에 <code>{ $config }</code>를 추가하세요.
incident-what-changed = 변경 내역
incident-what-changed-note = 영향이 시작되기 전 서비스 저장소의 병합, 배포, 푸시입니다. 가까운 것부터 보입니다.
incident-badge-suspected = 의심 원인
incident-badge-likely = 유력한 원인
incident-badge-ruled-out = 원인 아님
incident-confirm-cause = 원인으로 확정
incident-mark-cause = 의심 원인으로 표시
incident-not-cause = 원인 아님
incident-what-changed-empty = 영향이 시작되기 전 서비스 저장소에서 찾은 변경이 없습니다.
incident-earlier = 이전 장애
incident-earlier-postmortem = 포스트모템
incident-earlier-item = 남은 후속 조치: { $title }
incident-earlier-item-owner-due = ({ $owner }, 기한 { $due })

## status.html
status-overall-none = 모든 시스템 정상
status-overall-maintenance = 서비스 유지보수 중
status-overall-minor = 일부 서비스 장애
status-overall-major = 시스템 부분 장애
status-overall-critical = 시스템 전면 장애
status-operational = 정상
status-under-maintenance = 유지보수 중
status-degraded-performance = 성능 저하
status-partial-outage = 부분 장애
status-major-outage = 전면 장애
status-update-investigating = 조사 중
status-update-identified = 원인 파악
status-update-monitoring = 모니터링 중
status-update-resolved = 해결됨
status-maintenance-in-progress = 유지보수 진행 중: { $name }
status-maintenance-scheduled = 예정된 유지보수: { $name }
status-set-by-hand = 수동 설정
status-history-label = { $name }의 최근 90일
status-day-no-incidents = 장애 없음.
status-days-ago = 90일 전
status-today = 오늘
status-no-components = 설정된 구성 요소가 없습니다.
status-get-updates = 업데이트 받기
status-email = 이메일
status-or-webhook = 또는 웹훅 URL
status-webhook = 웹훅 URL
status-only-some = 일부 구성 요소만
status-subscribe = 구독
status-subscribe-note = 먼저 확인 링크를 보내며, 모든 메시지에는 구독 해지 링크가 있습니다. <a href="{ $url }/feed.atom">Atom</a> 또는 <a href="{ $url }/feed.rss">RSS</a> 피드를 구독할 수도 있습니다.
status-past-incidents = 지난 장애
status-updated = 업데이트: { $at }

## status_incident.html
status-incident-ongoing = 진행 중
status-incident-resolved = { $at } 해결
status-incident-started = { $at } 시작

## 채팅의 변경 공지

change-chat-risk = 위험도 { $risk }
change-chat-where = {" "}· { $environment } · 공지 { $by }
change-chat-announced-title = 변경: { $summary }
change-chat-rollback = 롤백:{" "}
change-chat-approved-title = 승인됨: { $summary }
change-chat-approved = { $by }님이 승인했습니다. 작업을 시작해도 됩니다.
change-chat-rejected-title = 반려됨: { $summary }
change-chat-rejected = { $by }님이 반려했습니다.
change-chat-rejected-because = { $by }님이 반려했습니다: { $reason }
change-chat-expired-title = 만료됨: { $summary }
change-chat-expired = 제때 승인한 사람이 없습니다. 공지한 대로 진행하면 안 됩니다.
change-chat-needs-approval = 다른 한 사람의 확인이 필요합니다: 승인하거나 반려하세요
change-chat-open = 변경 열기

## 주간 보고

weekly-title = 주간 보고: { $from } – { $to }
weekly-title-team = { $team } 주간 보고: { $from } – { $to }
weekly-delivery = 전달
weekly-deployed = 풀 리퀘스트 { $merged }건 병합 · 운영 배포 { $deployments }건
weekly-deployed-bad = {" "}(실패 { $failed }건, 핫픽스·롤백·되돌리기 { $unplanned }건)
weekly-dora = 이번 주 DORA
weekly-per-week = 주 { $value }회
weekly-last-na = 지난주 값 없음
weekly-same = 지난주와 같음
weekly-up = ↑ { $value }에서
weekly-down = ↓ { $value }에서
weekly-deployment-frequency = 배포 빈도
weekly-lead-time = 변경 리드 타임
weekly-failure-rate = 변경 실패율
weekly-recovery-time = 복구 시간
weekly-rework-rate = 재작업률
weekly-no-incidents = 이번 주에 시작된 장애가 없습니다.
weekly-pages = 이번 주 호출
weekly-pages-row = { $team }: { $this }건 (지난주 { $last }건)
weekly-budget = {" "}· 예산 { $budget }건
weekly-over-budget = 예산 초과
weekly-overdue = 기한이 지난 후속 조치
weekly-none = 없음.
weekly-item = {" "}· { $owner } · 기한 { $due } · 장애 #{ $incident }
weekly-noisiest = 가장 시끄러운 알림 규칙
weekly-noisy-rule = • { $rule }: 발생 { $fires }회, 알림 { $notices }건
weekly-context = { $from } ~ { $to } ({ $zone }). DORA는 운영 배포 기준이며 지난주와 비교합니다

## 채팅의 후속 조치

item-chat-overdue-title = 후속 조치 기한 지남: { $title }
item-chat-overdue = 님, "{ $title }"의 기한은 { $due }였습니다. 장애 #{ $number }({ $incident })의 후속 조치입니다. 장애 페이지에서 완료나 하지 않음으로 표시해 주세요.

## 상태 페이지 구독자

subscriber-because = 이 주소가 다음을 구독했기 때문에 받는 메일입니다:{" "}
subscriber-unsubscribe = 구독 취소
subscriber-every-component = 모든 구성 요소
subscriber-confirm-title = { $page } 구독을 확인하세요
subscriber-confirm-asked = 누군가(아마도 본인)가 { $page }의 { $which } 장애 소식을 이 주소로 받겠다고 요청했습니다.
subscriber-confirm-link = 구독 확인
subscriber-confirm-ignore = 본인이 요청하지 않았다면 이 메일을 무시하세요. 더 이상 보내지 않습니다.
subscriber-not-yours = 본인이 아닌가요?{" "}
subscriber-never = 이 주소로 다시 보내지 않기
subscriber-affects = 영향: { $components }.
subscriber-posted = { $at }에 게시.{" "}
subscriber-follow = 상태 페이지에서 따라가기

## 포스트모템 초안

postmortem-after-start = , 영향 시작 { $span } 후
postmortem-rule-on = { $service }의 { $rule }
postmortem-more-alerts = . 알림 { $count }건이 더 합류했습니다
postmortem-detected = { $at } UTC에 알림 { $rule }(으)로 감지{ $after }{ $joined }.
postmortem-declared = { $at } UTC에 { $by } 님이 선언{ $after }.

## 명령줄

cli-col-id = ID
cli-col-state = 상태
cli-col-severity = 심각도
cli-col-service = 서비스
cli-col-fired = 발생
cli-col-rule = 규칙
cli-col-summary = 요약
cli-col-reason = 이유
cli-col-team = 팀
cli-col-opened = 열림
cli-col-closed-by = 닫은 사람
cli-col-detail = 자세히
cli-col-over = 초과
cli-col-fires = 발생 수
cli-col-notified = 알림 수
cli-col-acked = 확인 수
cli-col-auto = 자동 해결
cli-col-flapping = 깜빡임
cli-col-median-ack = 확인 중앙값
cli-col-median-resolve = 해결 중앙값
cli-col-pages = 호출
cli-col-budget = 예산
cli-col-status = 상태
cli-col-kind = 종류
cli-col-starts = 시작
cli-col-ends = 끝
cli-col-by = 누가
cli-col-destination = 대상
cli-col-event = 이벤트
cli-col-attempts = 시도
cli-col-last-error = 마지막 오류
cli-col-sev = 심각도
cli-col-pri = 우선순위
cli-col-services = 서비스
cli-col-commander = 지휘자
cli-col-declared = 선언
cli-col-title = 제목
cli-col-metric = 지표
cli-col-value = 값
cli-col-from = 출처
cli-col-na-because = 값이 없는 이유
cli-col-band = 등급
cli-col-score = 점수
cli-col-schedule = 일정
cli-col-person = 사람
cli-col-name = 이름
cli-col-since = 부터
cli-col-until = 까지
cli-col-replaces = 대신하는 사람
cli-col-start = 시작
cli-col-end = 끝
cli-no-config-file = 설정 파일 없음(기본값)
cli-config-ok = { $source }: 이상 없음 ({ $parts })
cli-count-integrations = 연동 { $count }개
cli-count-destinations = 대상 { $count }개
cli-count-routes = 경로 { $count }개
cli-count-digests = 요약 { $count }개
cli-count-teams = 팀 { $count }개
cli-count-services = 서비스 { $count }개
cli-count-checks = 점검 { $count }개
cli-count-people = 사람 { $count }명
cli-count-schedules = 일정 { $count }개
cli-count-policies = 에스컬레이션 정책 { $count }개
cli-nobody-on-call = { $at }에 당직자가 없습니다
cli-override-mark = {" "}(당직 교체)
cli-override-added = 당직 교체 { $id }: { $schedule } 일정에서 { $start }부터 { $end }까지 { $person } 님이 당직
cli-no-overrides = { $schedule } 일정에 당직 교체가 없습니다
cli-override-removed = 당직 교체 { $id }를 지웠습니다
cli-test-page = { $person } 님에게 연락 수단 { $count }개로 테스트 호출을 보냈습니다. GET /api/v1/pages?person={ $person }로 확인하세요
cli-no-incidents = { $state } 장애가 없습니다
cli-what-changed = 바뀐 것:
cli-suspected = [의심]{" "}
cli-timeline = 타임라인:
chat-details = 자세히

## 호출 링크와 전화

page-link-unknown = Firewatch가 만든 링크가 아니거나 링크가 잘렸습니다. Firewatch를 열어 알림을 확인하세요.
page-link-used-acknowledge = 이 링크로 이미 { $ago } 전에 호출을 확인했습니다.
page-link-used-resolve = 이 링크로 이미 { $ago } 전에 호출을 해결했습니다.
page-link-expired = 링크가 만료되었습니다. Firewatch를 열어 알림을 보고 거기서 확인하세요.
page-link-incident-over = 끝난 호출입니다. 장애가 더 이상 열려 있지 않습니다.
page-link-alerts-resolved = 끝난 호출입니다. 관련된 알림이 모두 해결되었습니다.
page-link-just-used = 방금 사용된 링크입니다.
page-link-not-found = 링크를 찾을 수 없습니다
page-link-gone = 더 이상 쓸 수 없는 링크입니다
page-link-ask-resolve = 이 호출을 해결할까요?
page-link-ask-acknowledge = 이 호출을 확인할까요?
page-link-already = 이미 확인했습니다
page-link-say-what = 할 일을 정하세요: action=acknowledge 또는 action=resolve.
page-link-done-resolve = 해결했습니다. 호출이 끝났고 관련 알림이 해결되었습니다.
page-link-done-acknowledge = 확인했습니다. 에스컬레이션이 멈췄고 더 이상 다른 사람을 호출하지 않습니다.
call-acknowledged = 확인했습니다.
call-not-acknowledged = 확인하지 않았습니다.
call-goodbye = 끊겠습니다.
call-stopped = 에스컬레이션이 멈췄습니다.
call-not-recorded = Firewatch가 기록하지 못했습니다. 문자 메시지의 링크로 확인하세요.
call-nothing = 아무것도 확인하지 않았습니다.
page-link-resolved = 해결됨
page-link-acknowledged = 확인됨

## 오류 페이지

error-forbidden = 권한 없음
error-forbidden-why = { $role } 역할이 필요합니다. 관리자가 사용자 페이지에서 역할을 바꿀 수 있습니다.
error-csrf = 양식 만료
error-csrf-why = 이 양식은 지금 세션에서 온 것이 아닙니다. 돌아가서 페이지를 새로 고친 뒤 다시 시도하세요.
error-not-found = 찾을 수 없음
error-not-found-why = 찾는 항목이 없습니다.
error-bad-request = 잘못된 요청
error-unavailable = 사용할 수 없음
error-unavailable-why = 저장소가 응답하지 않았습니다. 바뀐 것은 없습니다. 잠시 뒤에 다시 시도하세요.
error-internal = 문제가 생겼습니다
error-internal-why = 페이지를 보여 줄 수 없습니다. 이유는 서버 로그에 있습니다.

## 값으로 이름이 정해지는 탭과 이동

items-tab-all = 전체
items-tab-outstanding = 남은 것
items-tab-mine = 내 것
items-tab-overdue = 기한 지남
postmortem-move-in_review = 검토 요청
postmortem-move-published = 게시
postmortem-move-draft = 초안으로 되돌리기
insights-card-deployment_frequency = 배포 빈도
insights-card-lead_time = 변경 리드 타임
insights-card-change_failure_rate = 변경 실패율
insights-card-recovery_time = 실패한 배포의 복구 시간
insights-card-rework_rate = 배포 재작업률
insights-chart-trend-frequency = 주간 배포 수
insights-chart-trend-lead-time = 변경 리드 타임 중앙값
insights-chart-trend-failure-rate = 변경 실패율

## 상태 페이지 구독 화면

status-sub-inbox = 받은편지함을 확인하세요
status-sub-requested = 메시지를 받을 수 있는 주소라면 확인 링크가 가는 중입니다. 그 링크를 누르기 전에는 아무것도 보내지 않습니다.
status-sub-not-subscribed = 구독하지 못했습니다
status-sub-confirm = 구독을 확인하세요
status-sub-confirm-press = 버튼을 누르면 이 상태 페이지의 장애 소식을 받기 시작합니다.
status-sub-subscribed = 구독했습니다
status-sub-subscribed-why = 장애 소식을 보내 드립니다. 모든 메시지에 구독 취소 링크가 있습니다.
status-sub-stale = 더 이상 쓸 수 없는 링크입니다
status-sub-stale-why = 상태 페이지에서 다시 구독하면 새 링크를 받습니다.
status-sub-unsubscribe-press = 버튼을 누르면 더 이상 아무것도 보내지 않습니다.
status-sub-unsubscribed = 구독을 취소했습니다
status-sub-unsubscribed-why = 더 이상 아무것도 보내지 않습니다.
status-sub-invalid = 올바르지 않은 링크입니다
status-sub-invalid-why = 이 링크를 가진 구독이 없습니다.

## 당직 타임라인

oncall-bar-nobody = 아무도 없음
oncall-bar-layer = 순번 { $number }
oncall-bar-overrides = 당직 교체
oncall-bar-for = {" "}({ $name } 대신)
oncall-bar-beside = {" "}(당직자와 함께)
overview-everyone = 모두

## 채팅에서 누른 버튼과 명령에 대한 답

chat-answer-no-button = Firewatch에는 "{ $button }" 버튼이 없습니다.
chat-answer-no-alert = 이 버튼은 알림을 가리키지 않습니다.
chat-answer-nothing-to-escalate = 에스컬레이션할 것이 없습니다. 지금 이 알림으로 호출되는 사람이 없습니다.
chat-answer-escalated = 에스컬레이션했습니다. 정책의 다음 단계가 지금 호출합니다.
chat-answer-alert-unchanged-acknowledge = 바뀐 것이 없습니다. 지금 상태에서는 이 알림을 확인할 수 없습니다.
chat-answer-alert-unchanged-resolve = 바뀐 것이 없습니다. 지금 상태에서는 이 알림을 해결할 수 없습니다.
chat-answer-alert-gone = 그 알림은 더 이상 없습니다.
chat-answer-page-nothing-to-escalate = 에스컬레이션할 것이 없습니다. 호출이 확인되었거나 해결되었거나, 정책의 모든 사람을 이미 호출했습니다.
chat-answer-page-gone = 그 호출은 더 이상 없습니다.
chat-answer-no-page-button = Firewatch에는 호출용 "{ $button }" 버튼이 없습니다.
chat-answer-page-acknowledged = 확인했습니다. 에스컬레이션이 멈추고 더 이상 다른 사람을 호출하지 않습니다.
chat-answer-page-resolved = 해결했습니다. 관련 알림이 해결되었습니다.
chat-answer-page-unchanged = 바뀐 것이 없습니다. 호출이 이미 확인되었거나 해결되었습니다.
chat-answer-incident-closed = 장애 #{ $number }는 { $state } 상태라서 업데이트해도 바뀌는 것이 없습니다.
chat-answer-incident-gone = 그 장애는 더 이상 없습니다.
chat-answer-no-incident-button = Firewatch에는 장애용 "{ $button }" 버튼이 없습니다.
chat-answer-no-change-button = Firewatch에는 변경용 "{ $button }" 버튼이 없습니다.
chat-answer-unchanged-why = 바뀐 것이 없습니다: { $why }.
chat-answer-change-gone = 그 변경은 더 이상 없습니다.
chat-answer-unknown-link = Firewatch가 여기서 누구신지 몰라 아무것도 하지 않았습니다. 이 계정을 본인에게 연결하려면 여기서 Firewatch에 로그인하세요(링크는 하루 동안 유효): { $url }
    또는 관리자에게 [[people]] 항목에 { $entry }를 추가해 달라고 하세요.
chat-answer-unknown = Firewatch가 여기서 누구신지 몰라 아무것도 하지 않았습니다. 관리자에게 [[people]] 항목에 { $entry }를 추가해 달라고 하세요.
chat-answer-role = { $needed } 역할이 필요합니다. 지금 역할은 { $role }입니다.
chat-answer-use-page = Firewatch의 장애 페이지에서 업데이트를 게시하세요.
chat-form-title = 업데이트 게시
chat-form-submit = 게시
chat-form-status = 상태
chat-form-message = 지금 무슨 일이 있나요
chat-form-public = 공개 상태 페이지에도 보이기

## 무엇이 어디에 배포되었나

nav-environments = 환경
overview-environments-link = 무엇이 어디에 배포되었나 →
environments-production = 운영
environments-deployed = { $ago } 배포
environments-by = { $name } 님
environments-link = 링크
environments-none = 아직 성공한 배포가 없습니다.
environments-waiting = { $count ->
    [0] 배포 대기
   *[other] 배포 대기 ({ $count })
}
environments-nothing-waiting = 병합되고 기다리는 변경이 없습니다. 운영에 모두 나갔습니다.
environments-merged = { $ago } 병합
environments-empty = 아직 서비스나 배포가 없습니다. <code>{ $config }</code>에 서비스와 <code>repos</code>를 적고, CI에서 <code>POST /api/v1/deployments</code>로 배포를 보내세요.

## Answers on a pull request to a command in its comments (`/test`, `test this please`).
forge-command-refused = @{ $author }님, 감사합니다. { $repository }의 멤버와 협업자만 댓글로 빌드를 시작할 수 있어 아무것도 시작하지 않았습니다. 메인테이너가 대신 `/test`를 댓글로 남길 수 있습니다.
forge-command-unknown = @{ $author }님, 이 저장소에는 { $named }(이)라는 CI 대상이 없어 아무것도 시작하지 않았습니다. 이 저장소의 대상: { $known }
forge-command-started = @{ $author }님의 요청으로 { $sha }에서 시작했습니다:
forge-command-none-started = @{ $author }님의 요청으로 { $sha }에서 아무것도 시작하지 못했습니다:
forge-command-target-started = **{ $target }**: 대기열에 추가됨
forge-command-target-started-link = **{ $target }**: 대기열에 추가됨 ({ $link })
forge-command-target-failed = **{ $target }**: 시작하지 못함: { $why }
forge-command-outcome-success = ✅ **{ $target }** ({ $build }) 통과 ({ $sha })
forge-command-outcome-failure = ❌ **{ $target }** ({ $build }) 실패 ({ $sha })
forge-command-outcome-cancelled = ⚪ **{ $target }** ({ $build }) 취소됨 ({ $sha })

## The no-self-merge rule: findings in chat, the Compliance page.
nav-compliance = 컴플라이언스
compliance-heading = 독립 리뷰
compliance-rule = 병합된 풀/머지 리퀘스트는 작성자가 아닌 사람의 승인을 마지막 커밋에 받아야 합니다. 승인 뒤에 푸시된 커밋은 그 승인을 무효로 합니다.
compliance-settings = 보고서 설정
compliance-repository = 저장소
compliance-all-repositories = 모든 저장소
compliance-last-days = 최근 일수
compliance-show = 보기
compliance-download-csv = 발견 사항 내려받기 (CSV)
compliance-window = { $from }부터 { $to }까지 병합된 것
compliance-summary-title = 저장소별
compliance-share-label = 독립 리뷰 비율
compliance-merges-label = 병합
compliance-findings-label = 발견 사항
compliance-summary = 병합 { $merges }건 중 { $reviewed }건 독립 리뷰됨
compliance-no-merges = 이 기간에 병합된 것이 없거나, 아직 어떤 포지도 풀 리퀘스트를 Firewatch로 보내지 않습니다.
compliance-findings = 발견 사항 { $count }건
compliance-no-findings = 이 기간의 모든 병합은 작성자가 아닌 사람이 마지막 커밋에 승인했습니다.
compliance-who = 작성자 { $author } · 병합한 사람 { $merged_by }
compliance-merged = { $ago } 병합
compliance-code-no_approval = 승인 없음
compliance-code-self_approved = 본인 승인
compliance-code-approval_outdated = 승인 이후 변경
compliance-code-author_unknown = 작성자 모름
compliance-reason-no_approval = 승인 없이 병합되었습니다.
compliance-reason-self_approved = 작성자 본인만 승인했습니다.
compliance-reason-approval_outdated = { $approved }에서 승인된 뒤 커밋이 푸시되었고, { $merged }에서 그 커밋에 대한 승인 없이 병합되었습니다.
compliance-reason-author_unknown = 승인되었지만 Firewatch가 작성자를 본 적이 없어, 다른 사람의 승인인지 보일 수 없습니다.
compliance-chat-title = 독립 리뷰 없이 병합됨: { $repository }#{ $number }
compliance-chat-who = 작성자 { $author }, 병합한 사람 { $merged_by }.
compliance-chat-open = 풀 리퀘스트 열기

## The pipelines board.
nav-pipelines = 파이프라인
pipelines-settings = 보드 설정
pipelines-repository = 저장소
pipelines-all-repositories = 모든 저장소
pipelines-branch = 브랜치
pipelines-default-branch = 기본 브랜치
pipelines-show = 보기
pipelines-stages = { $name }의 단계
pipelines-no-runs = { $branch }에서 아직 실행된 파이프라인이 없습니다.
pipelines-empty = 아직 CI 이벤트가 없습니다. GitHub의 워크플로 실행과 잡, GitLab의 파이프라인 이벤트, Jenkins의 Notification 플러그인을 Firewatch로 보내면 기본 브랜치의 커밋마다 파이프라인과 단계가 여기에 표시됩니다.
pipelines-status-queued = 대기
pipelines-status-running = 실행 중
pipelines-status-success = 통과
pipelines-status-failure = 실패
pipelines-status-cancelled = 취소됨
pipelines-status-skipped = 건너뜀
pipelines-status-manual = 수동

## Comments on Jira issues.
jira-merged = { $repository }#{ $number } "{ $title }"이(가) { $by }에 의해 병합되었습니다.
jira-deployed = { $repository }#{ $number } "{ $title }"이(가) { $service } { $version }으로 { $environment }에 배포되었습니다.
jira-open-pull-request = 풀 리퀘스트 열기
jira-open-deployment = 배포 열기

account-title = 내 계정
account-password-title = 비밀번호 변경
account-password-current = 현재 비밀번호
account-password-new = 새 비밀번호
account-password-again = 새 비밀번호 확인
account-password-note = { $count }자 이상이며, 흔하거나 추측하기 쉬운 비밀번호는 안 됩니다. 다른 세션은 모두 로그아웃되고 이 세션은 유지됩니다.
account-password-submit = 비밀번호 변경
account-password-changed = 비밀번호를 바꿨습니다. { $count ->
    [0] 다른 세션은 없었습니다.
   *[other] 다른 세션 { $count }개를 로그아웃했습니다.
}
account-password-differ = 새 비밀번호 두 개가 서로 다릅니다.
account-password-wrong = 현재 비밀번호가 틀렸습니다.
account-password-unavailable = 저장소가 응답하지 않아 비밀번호를 바꾸지 못했습니다.
audit-intro = 사람이 한 모든 변경: 누가, 언제, 어디서, 무엇이 무엇으로 바뀌었는지. 각 항목은 앞 항목의 해시를 담고 있어, 바뀌거나 지워진 항목은 체인을 검사할 때 드러납니다.
audit-actor = 누가
audit-action = 동작
audit-target = 대상
audit-filter = 거르기
audit-verify = 체인 검사
audit-chain-holds = 체인이 온전합니다: 항목 { $count }개의 해시와 연결을 모두 확인했습니다.
audit-chain-broken = 항목 { $seq }에서 체인이 끊겼습니다:
audit-before = 이전
audit-after = 이후
audit-hash = 해시
audit-older = 이전 항목
audit-none = 맞는 항목이 없습니다.
login-sso = { $name }(으)로 로그인
login-or-local = 또는 Firewatch 사용자 이름과 비밀번호로:
login-sso-down = 지금은 ID 공급자가 응답하지 않습니다. 아래에서 로컬 Firewatch 사용자로 로그인하세요.
login-signed-out = 여기와 ID 공급자 양쪽에서 로그아웃했습니다.
login-sso-signing-out = ID 공급자에서도 로그아웃하는 중…
login-sso-continue = 계속
account-password-sso = ID 공급자로 로그인하므로 여기에는 비밀번호가 없습니다. 공급자에서 바꾸세요.
