<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>EnrollDialog</name>
    <message>
        <source>登记到乡镇中心</source>
        <translation>Enroll with the township center</translation>
    </message>
    <message>
        <source>请填写乡镇给的地址和一次性登记码。登记后，本村的事项会自动同步到乡镇，乡镇的办理结果也会自动回到这台电脑。</source>
        <translation>Enter the address and one-time code the township gave you. Once enrolled, this village&apos;s errands sync to the township automatically, and the township&apos;s results come back to this laptop.</translation>
    </message>
    <message>
        <source>乡镇地址</source>
        <translation>Township address</translation>
    </message>
    <message>
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <source>登记</source>
        <translation>Enroll</translation>
    </message>
    <message>
        <source>请填写乡镇地址，例如 http://192.168.1.10:8000</source>
        <translation>Enter the township&apos;s address, e.g. http://192.168.1.10:8000</translation>
    </message>
    <message>
        <source>登记码是8个字母或数字，例如 ABCD-EFGH，请核对。</source>
        <translation>The enrollment code is 8 letters or digits, e.g. ABCD-EFGH; please check it.</translation>
    </message>
</context>
<context>
    <name>ErrandDetailDialog</name>
    <message>
        <source>事项详情</source>
        <translation>Errand details</translation>
    </message>
    <message>
        <source>村民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>村民小组</source>
        <translation>Villager group</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>办理层级</source>
        <translation>Handled at</translation>
    </message>
    <message>
        <source>登记日期</source>
        <translation>Logged on</translation>
    </message>
    <message>
        <source>承诺日期</source>
        <translation>Promised</translation>
    </message>
    <message>
        <source>办结日期</source>
        <translation>Done on</translation>
    </message>
    <message>
        <source>数量/金额</source>
        <translation>Quantity/amount</translation>
    </message>
    <message>
        <source>签收人</source>
        <translation>Signed by</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>保存材料勾选</source>
        <translation>Save ticked materials</translation>
    </message>
    <message>
        <source>材料清单</source>
        <translation>Materials</translation>
    </message>
    <message>
        <source>写一条备注，回车保存</source>
        <translation>Write a note; Enter saves it</translation>
    </message>
    <message>
        <source>办理过程</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>下一步：</source>
        <translation>Next step:</translation>
    </message>
    <message>
        <source>打印回执</source>
        <translation>Print receipt</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>乡镇退回原因：</source>
        <translation>Returned by the township: </translation>
    </message>
    <message>
        <source>疑问：</source>
        <translation>Question: </translation>
    </message>
    <message>
        <source>撤销原因：</source>
        <translation>Cancelled because: </translation>
    </message>
    <message>
        <source>%1 元</source>
        <translation>%1 yuan</translation>
    </message>
    <message>
        <source>已收/已付 %1 元</source>
        <translation>%1 yuan paid</translation>
    </message>
    <message>
        <source>乡镇</source>
        <translation>Township</translation>
    </message>
    <message>
        <source>村</source>
        <translation>Village</translation>
    </message>
    <message>
        <source>已结束，无需再办理。</source>
        <translation>Finished; nothing more to do.</translation>
    </message>
    <message>
        <source>等待乡镇办理（乡镇的处理结果会通过同步回来）。</source>
        <translation>Waiting for the township (its answer arrives with the next sync).</translation>
    </message>
</context>
<context>
    <name>ErrandTableModel</name>
    <message>
        <source>编号</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>村民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>承诺日期</source>
        <translation>Promised</translation>
    </message>
    <message>
        <source>剩余</source>
        <translation>Left</translation>
    </message>
</context>
<context>
    <name>ErrandsScreen</name>
    <message>
        <source>搜索：姓名、拼音首字母（如 zgy）、身份证后几位、手机号、编号</source>
        <translation>Search: name, pinyin initials (e.g. zgy), ID tail, phone, number</translation>
    </message>
    <message>
        <source>全部类型</source>
        <translation>All kinds</translation>
    </message>
    <message>
        <source>只看超期</source>
        <translation>Overdue only</translation>
    </message>
    <message>
        <source>2天内到期</source>
        <translation>Due within 2 days</translation>
    </message>
    <message>
        <source>新建事项</source>
        <translation>New errand</translation>
    </message>
    <message>
        <source>登记一件新的代办事项（Ctrl+N）</source>
        <translation>Log a new errand (Ctrl+N)</translation>
    </message>
    <message>
        <source>剩余</source>
        <translation>Left</translation>
    </message>
    <message>
        <source>&lt;span style=&apos;background:#fbd5d2;color:#8a1c12&apos;&gt;&amp;nbsp;超期&amp;nbsp;&lt;/span&gt;&amp;nbsp;&lt;span style=&apos;background:#ffefc2;color:#6b4a00&apos;&gt;&amp;nbsp;2天内到期&amp;nbsp;&lt;/span&gt;&amp;nbsp;双击或回车打开；Esc 清除搜索</source>
        <translation>&lt;span style=&apos;background:#fbd5d2;color:#8a1c12&apos;&gt;&amp;nbsp;Overdue&amp;nbsp;&lt;/span&gt;&amp;nbsp;&lt;span style=&apos;background:#ffefc2;color:#6b4a00&apos;&gt;&amp;nbsp;Due within 2 days&amp;nbsp;&lt;/span&gt;&amp;nbsp;Double-click or Enter opens; Esc clears the search</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message numerus="yes">
        <source>共 %n 件</source>
        <translation>
            <numerusform>%n errand</numerusform>
            <numerusform>%n errands</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HandBackDialog</name>
    <message>
        <source>确认交付</source>
        <translation>Confirm hand-back</translation>
    </message>
    <message>
        <source>确认把“%1”的办理结果交付给群众？交付后不能撤回。</source>
        <translation>Hand the result of &quot;%1&quot; back to the resident? This cannot be undone.</translation>
    </message>
    <message>
        <source>签收人：</source>
        <translation>Signed by:</translation>
    </message>
    <message>
        <source>本人领取写本人姓名；代领的写代领人姓名和关系，例如：王强（儿子）。</source>
        <translation>Write the resident&apos;s own name, or the name and relation of whoever collects it, e.g. Wang Qiang (son).</translation>
    </message>
</context>
<context>
    <name>LogsScreen</name>
    <message>
        <source>事由，例如：咨询耕地地力保护补贴发放时间</source>
        <translation>Matter, e.g. asked when the farmland subsidy is paid</translation>
    </message>
    <message>
        <source>结果，例如：已解答、已调解成功、已上报乡镇</source>
        <translation>Outcome, e.g. answered, settled, reported to the township</translation>
    </message>
    <message>
        <source>记下</source>
        <translation>Log it</translation>
    </message>
    <message>
        <source>快速记录（回车保存）</source>
        <translation>Quick entry (Enter saves)</translation>
    </message>
    <message>
        <source>全部类型</source>
        <translation>All kinds</translation>
    </message>
    <message>
        <source>月份：</source>
        <translation>Month:</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>村民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>事由</source>
        <translation>Matter</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>请先写事由。</source>
        <translation>Write the matter first.</translation>
    </message>
    <message>
        <source>已记下。</source>
        <translation>Logged.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>代办事项</source>
        <translation>Errands</translation>
    </message>
    <message>
        <source>村民</source>
        <translation>Residents</translation>
    </message>
    <message>
        <source>农资代购</source>
        <translation>Farm supplies</translation>
    </message>
    <message>
        <source>补贴发放</source>
        <translation>Subsidies</translation>
    </message>
    <message>
        <source>咨询调解记录</source>
        <translation>Logs</translation>
    </message>
    <message>
        <source>月度汇总</source>
        <translation>Monthly summary</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>事项(&amp;E)</source>
        <translation>&amp;Errands</translation>
    </message>
    <message>
        <source>新建事项…</source>
        <translation>New errand…</translation>
    </message>
    <message>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>查看(&amp;V)</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>同步(&amp;S)</source>
        <translation>&amp;Sync</translation>
    </message>
    <message>
        <source>尚未在乡镇登记</source>
        <translation>Not enrolled with the township yet</translation>
    </message>
    <message>
        <source>帮助(&amp;H)</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>关于村代办</source>
        <translation>About VillageAgent</translation>
    </message>
    <message>
        <source>点击查看超期的事项</source>
        <translation>Click to see the overdue errands</translation>
    </message>
    <message>
        <source>村代办</source>
        <translation>VillageAgent</translation>
    </message>
    <message>
        <source>村代办 VillageAgent
村级代办点的事项登记、回执打印、补贴发放和农资代购台账。</source>
        <translation>VillageAgent (村代办)
The village service point&apos;s errand book: errands, receipts, subsidy payouts and farm-supply orders.</translation>
    </message>
    <message>
        <source>超期 %1 件，2天内到期 %2 件</source>
        <translation>%1 overdue, %2 due within 2 days</translation>
    </message>
</context>
<context>
    <name>NewErrandDialog</name>
    <message>
        <source>新建代办事项</source>
        <translation>New errand</translation>
    </message>
    <message>
        <source>姓名、拼音首字母、身份证后4位或手机号</source>
        <translation>Name, pinyin initials, last 4 of ID, or phone</translation>
    </message>
    <message>
        <source>新村民</source>
        <translation>New resident</translation>
    </message>
    <message>
        <source>这位村民还没登记过：现在登记</source>
        <translation>This resident is not registered yet: register now</translation>
    </message>
    <message>
        <source>登记新村民（身份证号输入时自动核对）：</source>
        <translation>Register a new resident (the ID number is checked as you type):</translation>
    </message>
    <message>
        <source>1. 办事村民</source>
        <translation>1. Resident</translation>
    </message>
    <message>
        <source>搜索事项，如 残疾证、cjz、复合肥</source>
        <translation>Search items, e.g. 残疾证, cjz, 复合肥</translation>
    </message>
    <message>
        <source>服务事项</source>
        <translation>Service item</translation>
    </message>
    <message>
        <source>承诺时限</source>
        <translation>Promised time</translation>
    </message>
    <message>
        <source>2. 服务事项</source>
        <translation>2. Service item</translation>
    </message>
    <message>
        <source>元，例如 12.50</source>
        <translation>yuan, e.g. 12.50</translation>
    </message>
    <message>
        <source>备注（可不填）</source>
        <translation>Note (optional)</translation>
    </message>
    <message>
        <source>材料已齐，同时报送乡镇</source>
        <translation>Materials complete: submit to the township now</translation>
    </message>
    <message>
        <source>3. 材料与数量</source>
        <translation>3. Materials and quantity</translation>
    </message>
    <message>
        <source>数量：</source>
        <translation>Quantity:</translation>
    </message>
    <message>
        <source>订购批次：</source>
        <translation>Order round:</translation>
    </message>
    <message>
        <source>金额（元）：</source>
        <translation>Amount (yuan):</translation>
    </message>
    <message>
        <source>保存并打印回执</source>
        <translation>Save and print receipt</translation>
    </message>
    <message>
        <source>只保存</source>
        <translation>Save only</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>没有找到。是新村民？点右上角“新村民”登记。</source>
        <translation>Nobody found. A new resident? Click &quot;New resident&quot; above.</translation>
    </message>
    <message>
        <source>这个身份证号已登记为“%1”，已直接选用，不用重复登记。</source>
        <translation>This ID number is already registered as &quot;%1&quot;; that resident is chosen, no need to register again.</translation>
    </message>
    <message>
        <source>将登记为新村民</source>
        <translation>Will be registered as a new resident</translation>
    </message>
    <message>
        <source>已选：</source>
        <translation>Chosen: </translation>
    </message>
    <message>
        <source>请先找到办事的村民，或登记新村民。</source>
        <translation>Find the resident first, or register a new one.</translation>
    </message>
    <message numerus="yes">
        <source>%n个工作日</source>
        <translation>
            <numerusform>%n working day</numerusform>
            <numerusform>%n working days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>，法定%n个工作日</source>
        <translation>
            <numerusform>, legal limit %n working day</numerusform>
            <numerusform>, legal limit %n working days</numerusform>
        </translation>
    </message>
    <message>
        <source>承诺办结日期</source>
        <translation>Promised date</translation>
    </message>
    <message>
        <source>预计完成日期</source>
        <translation>Expected by</translation>
    </message>
    <message>
        <source>选好事项后，这里显示承诺办结日期。</source>
        <translation>Choose an item to see its promised date here.</translation>
    </message>
    <message>
        <source>应付金额：%1 元（单价 %2 元/%3）</source>
        <translation>Amount due: %1 yuan (%2 yuan per %3)</translation>
    </message>
    <message>
        <source>收费：%1 元</source>
        <translation>Fee: %1 yuan</translation>
    </message>
    <message>
        <source>免费办理</source>
        <translation>Free of charge</translation>
    </message>
    <message>
        <source>村民信息有误，请按红字提示改正。</source>
        <translation>The resident&apos;s details have errors; correct what the red text says.</translation>
    </message>
    <message>
        <source>请先选择办事村民，或点“新村民”登记。</source>
        <translation>Choose the resident first, or click &quot;New resident&quot;.</translation>
    </message>
    <message>
        <source>请选择服务事项。</source>
        <translation>Choose a service item.</translation>
    </message>
</context>
<context>
    <name>OrdersScreen</name>
    <message>
        <source>新增订购</source>
        <translation>New order</translation>
    </message>
    <message>
        <source>打印采购单</source>
        <translation>Print purchase list</translation>
    </message>
    <message>
        <source>订购批次：</source>
        <translation>Order round:</translation>
    </message>
    <message>
        <source>品种：</source>
        <translation>Item:</translation>
    </message>
    <message>
        <source>村民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>小组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>品种</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>金额(元)</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>已收款(元)</source>
        <translation>Collected (yuan)</translation>
    </message>
    <message>
        <source>标记已采购</source>
        <translation>Mark purchased</translation>
    </message>
    <message>
        <source>标记已送达</source>
        <translation>Mark delivered</translation>
    </message>
    <message>
        <source>标记已收款</source>
        <translation>Mark money collected</translation>
    </message>
    <message>
        <source>选中的农户：</source>
        <translation>Selected households:</translation>
    </message>
    <message>
        <source>户数</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>已送达</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>采购单（本批次，按品种汇总）</source>
        <translation>Purchase list (this round, by item)</translation>
    </message>
    <message>
        <source>（未分批次）</source>
        <translation>(no round)</translation>
    </message>
    <message>
        <source>全部品种</source>
        <translation>All items</translation>
    </message>
    <message>
        <source>还没有农资订购。点“新增订购”登记第一户。</source>
        <translation>No farm-supply orders yet. Click &quot;New order&quot; to log the first.</translation>
    </message>
    <message>
        <source>当前列表：%1 户，应收 %2 元，已收 %3 元，待送达 %4 户。</source>
        <translation>This list: households %1; due %2 yuan; collected %3 yuan; awaiting delivery: %4.</translation>
    </message>
    <message>
        <source>请先在列表里选中农户（可按住Ctrl多选）。</source>
        <translation>Select households in the list first (Ctrl selects several).</translation>
    </message>
    <message numerus="yes">
        <source>已办 %n 户</source>
        <translation>
            <numerusform>Done for %n household</numerusform>
            <numerusform>Done for %n households</numerusform>
        </translation>
    </message>
    <message>
        <source>，%1 户当前状态不能这样改，已跳过</source>
        <translation>; %1 skipped (their status does not allow this)</translation>
    </message>
    <message>
        <source>农资采购单</source>
        <translation>Farm-supply purchase list</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>代办员：</source>
        <translation>Cadre:</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>请写明原因，例如：群众不再办理、银行卡号与名册不符</source>
        <translation>Give the reason, e.g. the resident withdrew, the bank card does not match the roster</translation>
    </message>
    <message>
        <source>原因：</source>
        <translation>Reason:</translation>
    </message>
    <message>
        <source>请先写明原因。</source>
        <translation>Give the reason first.</translation>
    </message>
</context>
<context>
    <name>ReceiptDialog</name>
    <message>
        <source>代办回执</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>打印预览</source>
        <translation>Print preview</translation>
    </message>
    <message>
        <source>存为PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>回执</source>
        <translation>Receipt</translation>
    </message>
    <message>
        <source>存为PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>已保存：%1</source>
        <translation>Saved: %1</translation>
    </message>
    <message>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>已送到打印机：%1</source>
        <translation>Sent to printer: %1</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <source>村代办：数据打不开</source>
        <translation>VillageAgent: the data cannot be opened</translation>
    </message>
    <message>
        <source>从乡镇重新下载本村数据</source>
        <translation>Download the village&apos;s data from the township</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>从最近的备份恢复（%1）</source>
        <translation>Restore the latest backup (%1)</translation>
    </message>
    <message>
        <source>从乡镇下载：程序会先把损坏的文件另存到备份文件夹，然后重新设置本村，再用乡镇给的登记码登记本机，同步后本村已上报的事项都会回来。从备份恢复：备份之后新记的、还没同步的内容只保存在另存的损坏文件里。</source>
        <translation>Download from the township: the damaged file is first kept in the backups folder; then set up the village again and enroll this laptop with a code from the township, and the next sync brings back every errand the village has reported. Restore a backup: what was saved after the backup and not yet synced stays only in the kept damaged file.</translation>
    </message>
</context>
<context>
    <name>RefusedRecordsDialog</name>
    <message>
        <source>被乡镇拒收的记录</source>
        <translation>Records the township refused</translation>
    </message>
    <message>
        <source>这些记录乡镇没有收下，其余记录不受影响。请按原因处理后点“重新发送”，或打电话问乡镇。</source>
        <translation>The township did not accept these records; the others are not affected. Fix what the reason says and click &quot;Send again&quot;, or phone the township.</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>记录</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>重新发送</source>
        <translation>Send again</translation>
    </message>
</context>
<context>
    <name>ResidentDialog</name>
    <message>
        <source>修改村民信息</source>
        <translation>Edit resident</translation>
    </message>
    <message>
        <source>登记新村民</source>
        <translation>Register resident</translation>
    </message>
    <message>
        <source>请按红字提示改正后再保存。</source>
        <translation>Correct what the red text says, then save.</translation>
    </message>
</context>
<context>
    <name>ResidentForm</name>
    <message>
        <source>18位居民身份证号</source>
        <translation>18-character resident ID number</translation>
    </message>
    <message>
        <source>11位手机号，可不填</source>
        <translation>11-digit mobile number (optional)</translation>
    </message>
    <message>
        <source>（未选）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>村民小组</source>
        <translation>Villager group</translation>
    </message>
    <message>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>输入时会自动核对</source>
        <translation>Checked as you type</translation>
    </message>
    <message>
        <source>已输入%1位，还差%2位</source>
        <translation>Typed %1, %2 more to go</translation>
    </message>
    <message>
        <source>✓ 号码有效，出生日期 %1</source>
        <translation>✓ Valid number, born %1</translation>
    </message>
    <message numerus="yes">
        <source>还差%n位</source>
        <translation>
            <numerusform>%n more digit to go</numerusform>
            <numerusform>%n more digits to go</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResidentTableModel</name>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>小组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Item</translation>
    </message>
</context>
<context>
    <name>ResidentsScreen</name>
    <message>
        <source>姓名、拼音首字母、身份证后几位或手机号</source>
        <translation>Name, pinyin initials, ID tail or phone</translation>
    </message>
    <message>
        <source>全部小组</source>
        <translation>All groups</translation>
    </message>
    <message>
        <source>登记新村民</source>
        <translation>Register resident</translation>
    </message>
    <message>
        <source>村民信息</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>村民小组</source>
        <translation>Villager group</translation>
    </message>
    <message>
        <source>住址</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>修改</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>为他/她新建事项</source>
        <translation>New errand for this resident</translation>
    </message>
    <message>
        <source>这位村民的事项（双击打开）：</source>
        <translation>This resident&apos;s errands (double-click opens):</translation>
    </message>
</context>
<context>
    <name>RostersScreen</name>
    <message>
        <source>村民</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>小组</source>
        <translation>Group</translation>
    </message>
    <message>
        <source>金额(元)</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>已通知本人</source>
        <translation>Resident notified</translation>
    </message>
    <message>
        <source>标记已发放</source>
        <translation>Mark paid</translation>
    </message>
    <message>
        <source>本人确认领取</source>
        <translation>Resident confirmed receipt</translation>
    </message>
    <message>
        <source>有疑问…</source>
        <translation>Needs checking…</translation>
    </message>
    <message>
        <source>疑问已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>选中的村民：</source>
        <translation>Selected residents:</translation>
    </message>
    <message>
        <source>补贴名册（乡镇下发）：</source>
        <translation>Subsidy rosters (from the township):</translation>
    </message>
    <message>
        <source>还没有补贴名册。名册由乡镇下发，同步后出现在这里。</source>
        <translation>No subsidy rosters yet. The township sends them; they appear here after a sync.</translation>
    </message>
    <message>
        <source>✓ 账目相符</source>
        <translation>✓ Accounts balance</translation>
    </message>
    <message>
        <source>✗ 账目不符，请核对</source>
        <translation>✗ Accounts do not balance; please check</translation>
    </message>
    <message>
        <source>名册 %1 人，共 %2 元；已发放 %3 人 %4 元（其中本人确认 %5 人）；未发放 %6 人 %7 元；有疑问 %8 人。</source>
        <translation>Roster: people %1, %2 yuan; paid: %3, %4 yuan (confirmed by the resident: %5); unpaid: %6, %7 yuan; to check: %8.</translation>
    </message>
    <message>
        <source>请先在列表里选中村民（可按住Ctrl多选）。</source>
        <translation>Select residents in the list first (Ctrl selects several).</translation>
    </message>
    <message>
        <source>有疑问</source>
        <translation>Needs checking</translation>
    </message>
    <message numerus="yes">
        <source>已办 %n 人</source>
        <translation>
            <numerusform>Done for %n person</numerusform>
            <numerusform>Done for %n people</numerusform>
        </translation>
    </message>
    <message>
        <source>，%1 人当前状态不能这样改，已跳过</source>
        <translation>; %1 skipped (their status does not allow this)</translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <source>每次打印时选择</source>
        <translation>Ask each time</translation>
    </message>
    <message>
        <source>（未连接）</source>
        <translation> (not connected)</translation>
    </message>
    <message>
        <source>跟随系统</source>
        <translation>Follow the system</translation>
    </message>
    <message>
        <source>本村</source>
        <translation>Village</translation>
    </message>
    <message>
        <source>村代码：</source>
        <translation>Village code:</translation>
    </message>
    <message>
        <source>本机编号：</source>
        <translation>This laptop&apos;s code:</translation>
    </message>
    <message>
        <source>村名：</source>
        <translation>Village name:</translation>
    </message>
    <message>
        <source>所属乡镇：</source>
        <translation>Township:</translation>
    </message>
    <message>
        <source>村民小组（每行一个）：</source>
        <translation>Villager groups (one per line):</translation>
    </message>
    <message>
        <source>代办员与打印</source>
        <translation>Cadre and printing</translation>
    </message>
    <message>
        <source>代办员姓名：</source>
        <translation>Cadre&apos;s name:</translation>
    </message>
    <message>
        <source>代办点电话：</source>
        <translation>Service point phone:</translation>
    </message>
    <message>
        <source>回执打印机：</source>
        <translation>Receipt printer:</translation>
    </message>
    <message>
        <source>界面语言：</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>数据目录：</source>
        <translation>Data folder:</translation>
    </message>
    <message>
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <source>请填写村名。</source>
        <translation>Enter the village name.</translation>
    </message>
    <message>
        <source>已保存。</source>
        <translation>Saved.</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>欢迎使用村代办</source>
        <translation>Welcome to VillageAgent</translation>
    </message>
    <message>
        <source>乡镇给的村代码，例如 LTA01</source>
        <translation>Village code from the township, e.g. LTA01</translation>
    </message>
    <message>
        <source>例如 枫林村</source>
        <translation>e.g. Fenglin Village</translation>
    </message>
    <message>
        <source>例如 莲塘坳镇</source>
        <translation>e.g. Liantang&apos;ao Town</translation>
    </message>
    <message>
        <source>村代码：</source>
        <translation>Village code:</translation>
    </message>
    <message>
        <source>村名：</source>
        <translation>Village name:</translation>
    </message>
    <message>
        <source>所属乡镇：</source>
        <translation>Township:</translation>
    </message>
    <message>
        <source>代办员姓名：</source>
        <translation>Cadre&apos;s name:</translation>
    </message>
    <message>
        <source>代办点电话：</source>
        <translation>Service point phone:</translation>
    </message>
    <message>
        <source>第一次使用，请填写本村信息。只想先看看？点“打开演示村”，会建一个有示例数据的枫林村。</source>
        <translation>First start: enter this village&apos;s details. Just looking? &quot;Open the demo village&quot; builds Fenglin Village with sample data.</translation>
    </message>
    <message>
        <source>打开演示村</source>
        <translation>Open the demo village</translation>
    </message>
    <message>
        <source>保存并开始</source>
        <translation>Save and start</translation>
    </message>
    <message>
        <source>村代办 · 首次设置</source>
        <translation>VillageAgent · first start</translation>
    </message>
</context>
<context>
    <name>SummaryScreen</name>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>导出Excel…</source>
        <translation>Export to Excel…</translation>
    </message>
    <message>
        <source>月份：</source>
        <translation>Month:</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>按时办结</source>
        <translation>Done on time</translation>
    </message>
    <message>
        <source>超时办结</source>
        <translation>Done late</translation>
    </message>
    <message>
        <source>超期未办</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>按时办结率</source>
        <translation>On-time rate</translation>
    </message>
    <message>
        <source>金额(元)</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <source>各类事项的办理状态（件）：</source>
        <translation>Errands by kind and status:</translation>
    </message>
    <message>
        <source>月度汇总表</source>
        <translation>Monthly summary</translation>
    </message>
    <message>
        <source>超期统计截至 %1</source>
        <translation>Overdue as of %1</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>元</source>
        <translation> yuan</translation>
    </message>
    <message>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message numerus="yes">
        <source>%n户</source>
        <translation>
            <numerusform>%n household</numerusform>
            <numerusform>%n households</numerusform>
        </translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message numerus="yes">
        <source>%n 笔，共 %1 元</source>
        <translation>
            <numerusform>%n payment, %1 yuan in all</numerusform>
            <numerusform>%n payments, %1 yuan in all</numerusform>
        </translation>
    </message>
    <message>
        <source>农资代购：</source>
        <translation>Farm supplies: </translation>
    </message>
    <message>
        <source>补贴发放：</source>
        <translation>Subsidies paid: </translation>
    </message>
    <message>
        <source>其他工作：</source>
        <translation>Other work: </translation>
    </message>
    <message>
        <source>各类事项的办理状态（件）</source>
        <translation>Errands by kind and status</translation>
    </message>
    <message>
        <source>填报人：</source>
        <translation>Filed by:</translation>
    </message>
    <message>
        <source>导出Excel</source>
        <translation>Export to Excel</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>已导出：%1</source>
        <translation>Exported: %1</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>同步：未登记</source>
        <translation>Sync: not enrolled</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>立即同步</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>取消同步</source>
        <translation>Cancel sync</translation>
    </message>
    <message>
        <source>登记到乡镇…</source>
        <translation>Enroll with the township…</translation>
    </message>
    <message>
        <source>没有网络：导出到U盘…</source>
        <translation>No network: export to a USB stick…</translation>
    </message>
    <message>
        <source>导入乡镇的答复文件…</source>
        <translation>Import the township&apos;s answer file…</translation>
    </message>
    <message>
        <source>被乡镇拒收的记录…</source>
        <translation>Records the township refused…</translation>
    </message>
    <message>
        <source>这台电脑还没有在乡镇登记，事项只保存在本机。</source>
        <translation>This laptop is not enrolled with the township; errands are kept on this laptop only.</translation>
    </message>
    <message>
        <source>正在同步…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>正在同步：已上传 %1 条，已下载 %2 条</source>
        <translation>Syncing: %1 sent, %2 received</translation>
    </message>
    <message>
        <source>上次同步：上传 %1 条，下载 %2 条</source>
        <translation>Last sync: %1 sent, %2 received</translation>
    </message>
    <message>
        <source>；有 %1 条被乡镇拒收，点这里查看原因</source>
        <translation>; %1 refused by the township, click here for the reasons</translation>
    </message>
    <message>
        <source>导出到U盘</source>
        <translation>Export to a USB stick</translation>
    </message>
    <message>
        <source>同步文件 (*.vasync)</source>
        <translation>Sync files (*.vasync)</translation>
    </message>
    <message numerus="yes">
        <source>已导出 %n 条待上传记录。请把文件交给乡镇导入，再把乡镇给的答复文件导入这台电脑。</source>
        <translation>
            <numerusform>Exported %n waiting record. Take the file to the township to import, then import the township&apos;s answer file on this laptop.</numerusform>
            <numerusform>Exported %n waiting records. Take the file to the township to import, then import the township&apos;s answer file on this laptop.</numerusform>
        </translation>
    </message>
    <message>
        <source>导入乡镇的答复文件</source>
        <translation>Import the township&apos;s answer file</translation>
    </message>
    <message>
        <source>已导入乡镇的答复。</source>
        <translation>The township&apos;s answer is imported.</translation>
    </message>
    <message>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
</context>
<context>
    <name>chart</name>
    <message>
        <source>待办</source>
        <translation>To do</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>退回/有疑问</source>
        <translation>Returned / to check</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
</context>
<context>
    <name>common</name>
    <message>
        <source>全部月份</source>
        <translation>All months</translation>
    </message>
    <message>
        <source>%1年%2月</source>
        <translation>%2/%1</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>程序出了意外错误，刚才的操作可能没有完成。请重试；如果还不行，请把这句话告诉技术人员：</source>
        <translation>Something unexpected went wrong and the last action may not have finished. Try again; if it keeps happening, tell technical support this sentence:</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>已收件</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>已报送乡镇</source>
        <translation>Submitted</translation>
    </message>
    <message>
        <source>乡镇已受理</source>
        <translation>Accepted by township</translation>
    </message>
    <message>
        <source>退回补正</source>
        <translation>Returned</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>已转县办理</source>
        <translation>Forwarded to county</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>已交付</source>
        <translation>Handed back</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>待发放</source>
        <translation>To pay</translation>
    </message>
    <message>
        <source>已通知</source>
        <translation>Notified</translation>
    </message>
    <message>
        <source>已发放</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>已确认领取</source>
        <translation>Receipt confirmed</translation>
    </message>
    <message>
        <source>有疑问待核实</source>
        <translation>Needs checking</translation>
    </message>
    <message>
        <source>已登记订购</source>
        <translation>Ordered</translation>
    </message>
    <message>
        <source>已采购</source>
        <translation>Purchased</translation>
    </message>
    <message>
        <source>已结清</source>
        <translation>Settled</translation>
    </message>
    <message>
        <source>已送达</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>报送乡镇</source>
        <translation>Submit to township</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Cancel errand</translation>
    </message>
    <message>
        <source>交付群众</source>
        <translation>Hand back to resident</translation>
    </message>
    <message>
        <source>已通知本人</source>
        <translation>Resident notified</translation>
    </message>
    <message>
        <source>标记已发放</source>
        <translation>Mark paid</translation>
    </message>
    <message>
        <source>本人确认领取</source>
        <translation>Resident confirmed receipt</translation>
    </message>
    <message>
        <source>有疑问</source>
        <translation>Needs checking</translation>
    </message>
    <message>
        <source>疑问已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>标记已采购</source>
        <translation>Mark purchased</translation>
    </message>
    <message>
        <source>标记已送达</source>
        <translation>Mark delivered</translation>
    </message>
    <message>
        <source>标记已收款</source>
        <translation>Mark money collected</translation>
    </message>
    <message>
        <source>取消订购</source>
        <translation>Cancel order</translation>
    </message>
    <message>
        <source>证照代办</source>
        <translation>Certificate</translation>
    </message>
    <message>
        <source>补贴代发</source>
        <translation>Subsidy payout</translation>
    </message>
    <message>
        <source>农资代购</source>
        <translation>Farm supplies</translation>
    </message>
    <message>
        <source>政策咨询</source>
        <translation>Policy consultations</translation>
    </message>
    <message>
        <source>矛盾调解</source>
        <translation>Disputes mediated</translation>
    </message>
    <message>
        <source>社情民意</source>
        <translation>Residents&apos; concerns</translation>
    </message>
    <message>
        <source>实事办理</source>
        <translation>Practical problems</translation>
    </message>
    <message>
        <source>乡镇办理</source>
        <translation>Handled by the township</translation>
    </message>
    <message>
        <source>转县办理</source>
        <translation>Forwarded to the county</translation>
    </message>
    <message>
        <source>超期1天</source>
        <translation>1 day overdue</translation>
    </message>
    <message>
        <source>超期%1天</source>
        <translation>%1 days overdue</translation>
    </message>
    <message>
        <source>今天到期</source>
        <translation>Due today</translation>
    </message>
    <message>
        <source>剩1天</source>
        <translation>1 day left</translation>
    </message>
    <message>
        <source>剩%1天</source>
        <translation>%1 days left</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>提示</source>
        <translation>Notice</translation>
    </message>
</context>
<context>
    <name>printing</name>
    <message>
        <source>找不到打印机。请检查打印机是否连好并打开，或在“设置”里重新选择打印机；也可以先点“存为PDF”保存回执。</source>
        <translation>No printer found. Check that the printer is connected and switched on, or choose it again in Settings; you can also use &quot;Save as PDF&quot; for now.</translation>
    </message>
</context>
<context>
    <name>receipt</name>
    <message>
        <source>回执编号</source>
        <translation>Receipt number</translation>
    </message>
    <message>
        <source>办事群众</source>
        <translation>Resident</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>代办事项</source>
        <translation>Errand</translation>
    </message>
    <message>
        <source>已收材料</source>
        <translation>Materials received</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>尚缺材料</source>
        <translation>Still missing</translation>
    </message>
    <message>
        <source>请尽快补交，补齐后才能报送。</source>
        <translation>Please bring these soon; the errand is submitted once they are complete.</translation>
    </message>
    <message>
        <source>订购数量</source>
        <translation>Quantity ordered</translation>
    </message>
    <message>
        <source>补贴金额</source>
        <translation>Subsidy amount</translation>
    </message>
    <message>
        <source>应付金额</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <source>收费</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>%1 元</source>
        <translation>%1 yuan</translation>
    </message>
    <message>
        <source>登记日期</source>
        <translation>Logged on</translation>
    </message>
    <message>
        <source>承诺办结日期</source>
        <translation>Promised date</translation>
    </message>
    <message>
        <source>预计完成日期</source>
        <translation>Expected by</translation>
    </message>
    <message>
        <source>代办员</source>
        <translation>Cadre</translation>
    </message>
    <message>
        <source>代办点电话</source>
        <translation>Service point phone</translation>
    </message>
    <message>
        <source>%1村级代办点</source>
        <translation>%1 village service point</translation>
    </message>
    <message>
        <source>代办事项回执</source>
        <translation>Errand receipt</translation>
    </message>
    <message>
        <source>请妥善保管本回执，凭回执领取办理结果。超过承诺日期未办结的，可向乡镇政务服务中心反映。</source>
        <translation>Keep this receipt and bring it to collect the result. If it is not done by the promised date, you may tell the township service center.</translation>
    </message>
    <message>
        <source>群众签名：</source>
        <translation>Resident&apos;s signature:</translation>
    </message>
    <message>
        <source>代办员签名：</source>
        <translation>Cadre&apos;s signature:</translation>
    </message>
    <message>
        <source>打印时间：</source>
        <translation>Printed: </translation>
    </message>
</context>
<context>
    <name>sync</name>
    <message>
        <source>同步：未登记到乡镇</source>
        <translation>Sync: not enrolled with the township</translation>
    </message>
    <message>
        <source>正在同步…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>待上传 %1 条</source>
        <translation>%1 waiting to send</translation>
    </message>
    <message>
        <source>被拒收 %1 条</source>
        <translation>%1 refused</translation>
    </message>
    <message>
        <source>上次同步 %1 成功</source>
        <translation>Last sync %1 succeeded</translation>
    </message>
    <message>
        <source>上次同步 %1 未完成</source>
        <translation>Last sync %1 did not finish</translation>
    </message>
</context>
<context>
    <name>timeline</name>
    <message>
        <source>登记事项</source>
        <translation>Errand logged</translation>
    </message>
    <message>
        <source>状态改为“%1”</source>
        <translation>Status changed to &quot;%1&quot;</translation>
    </message>
    <message>
        <source>，原因：</source>
        <translation>, reason: </translation>
    </message>
    <message>
        <source>，签收人：</source>
        <translation>, signed by: </translation>
    </message>
    <message>
        <source>，金额 %1 元</source>
        <translation>, %1 yuan</translation>
    </message>
    <message>
        <source>备注：</source>
        <translation>Note: </translation>
    </message>
    <message>
        <source>修改了登记内容</source>
        <translation>Changed the details</translation>
    </message>
    <message>
        <source>更新已收材料：</source>
        <translation>Materials received now: </translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>（未生效：与当时的状态不符）</source>
        <translation> (not applied: did not fit the status at the time)</translation>
    </message>
</context>
</TS>
