package sanctions

import "strings"

// hanPinyin is a compact Han → Hanyu Pinyin table (tones dropped) for the
// characters most used in Chinese surnames and given names, in the place and
// company words common on sanctions lists, and their traditional forms. It is
// not a general dictionary: characters outside it become spaces.
var hanPinyin = map[rune]string{}

// hanTable lists "character pinyin" pairs; a later duplicate is ignored.
const hanTable = `王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 郭guo 何he
高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng 邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong
袁yuan 潘pan 于yu 蒋jiang 蔡cai 余yu 杜du 叶ye 程cheng 苏su 魏wei 吕lu 丁ding 任ren 沈shen 姚yao 卢lu 姜jiang 崔cui 钟zhong
谭tan 陆lu 汪wang 范fan 金jin 石shi 廖liao 贾jia 夏xia 韦wei 付fu 方fang 白bai 邹zou 孟meng 熊xiong 秦qin 邱qiu 江jiang 尹yin
薛xue 闫yan 段duan 雷lei 侯hou 龙long 史shi 陶tao 黎li 贺he 顾gu 毛mao 郝hao 龚gong 邵shao 万wan 钱qian 严yan 覃qin 武wu
戴dai 莫mo 孔kong 向xiang 汤tang 常chang 温wen 康kang 施shi 文wen 牛niu 樊fan 葛ge 邢xing 安an 齐qi 易yi 乔qiao 伍wu 庞pang
颜yan 倪ni 庄zhuang 聂nie 章zhang 鲁lu 岳yue 翟zhai 殷yin 詹zhan 申shen 欧ou 耿geng 关guan 兰lan 焦jiao 俞yu 左zuo 柳liu
甘gan 祝zhu 包bao 宁ning 尚shang 符fu 舒shu 阮ruan 柯ke 纪ji 梅mei 童tong 凌ling 毕bi 单shan 季ji 裴pei 霍huo 涂tu 成cheng
苗miao 谷gu 盛sheng 曲qu 翁weng 冉ran 骆luo 蓝lan 路lu 游you 辛xin 靳jin 管guan 柴chai 蒙meng 鲍bao 华hua 喻yu 祁qi 蒲pu
房fang 滕teng 屈qu 饶rao 解xie 牟mou 艾ai 尤you 阳yang 时shi 穆mu 农nong 司si 卓zhuo 古gu 吉ji 缪miao 简jian 车che 项xiang
连lian 芦lu 麦mai 褚chu 娄lou 窦dou 戚qi 岑cen 景jing 党dang 宫gong 费fei 卜bu 冷leng 晏yan 席xi 卫wei 米mi 柏bai 宗zong
瞿qu 桂gui 全quan 佟tong 应ying 臧zang 闵min 苟gou 邬wu 边bian 卞bian 姬ji 师shi 和he 仇qiu 栾luan 隋sui 商shang 刁diao
沙sha 荣rong 巫wu 寇kou 桑sang 郎lang 甄zhen 丛cong 仲zhong 虞yu 敖ao 巩gong 明ming 佘she 池chi 查zha 麻ma 苑yuan 迟chi
邝kuang 陳chen 張zhang 劉liu 楊yang 黃huang 趙zhao 吳wu 鄭zheng 謝xie 許xu 韓han 馮feng 鄧deng 葉ye 蘇su 呂lu 盧lu 鍾zhong
譚tan 陸lu 賈jia 韋wei 鄒zou 龍long 賀he 顧gu 龔gong 錢qian 嚴yan 莊zhuang 聶nie 魯lu 歐ou 關guan 蘭lan 寧ning 紀ji 畢bi
單shan 塗tu 駱luo 藍lan 鮑bao 華hua 饒rao 繆miao 簡jian 車che 項xiang 連lian 麥mai 竇dou 費fei 衛wei 鄺kuang 羅luo 孫sun
馬ma 郭guo 高gao 梁liang 宋song 唐tang 曹cao 彭peng 曾zeng 蕭xiao 田tian 董dong 潘pan 蔣jiang 蔡cai 杜du 程cheng 魏wei
伟wei 偉wei 芳fang 娜na 敏min 静jing 靜jing 丽li 麗li 强qiang 強qiang 磊lei 军jun 軍jun 洋yang 勇yong 艳yan 豔yan 杰jie
傑jie 娟juan 涛tao 濤tao 超chao 霞xia 秀xiu 英ying 平ping 刚gang 剛gang 玉yu 红hong 紅hong 建jian 国guo 國guo 志zhi 海hai
小xiao 东dong 東dong 新xin 春chun 晓xiao 曉xiao 斌bin 宇yu 浩hao 凯kai 凱kai 鹏peng 鵬peng 飞fei 飛fei 辉hui 輝hui 云yun
雲yun 峰feng 波bo 亮liang 生sheng 光guang 天tian 德de 永yong 庆qing 慶qing 俊jun 宏hong 民min 中zhong 福fu 利li 清qing
家jia 琳lin 婷ting 雪xue 慧hui 颖ying 穎ying 佳jia 欣xin 思si 嘉jia 子zi 一yi 梓zi 轩xuan 軒xuan 涵han 然ran 博bo 泽ze
澤ze 晨chen 瑞rui 昊hao 睿rui 鑫xin 彬bin 力li 坤kun 鸿hong 鴻hong 振zhen 学xue 學xue 立li 仁ren 义yi 義yi 礼li 禮li 智zhi
信xin 忠zhong 孝xiao 良liang 善shan 美mei 真zhen 正zheng 大da 山shan 水shui 川chuan 河he 湖hu 北bei 南nan 西xi 京jing
上shang 下xia 长chang 長chang 恩en 日ri 哲zhe 铁tie 鐵tie 勋xun 勳xun 镇zhen 鎮zhen 赫he 淑shu 熙xi 贤xian 賢xian 植zhi
洙zhu 浚jun 元yuan 源yuan 炫xuan 泰tai 载zai 載zai 相xiang 锡xi 錫xi 男nan 女nu 虎hu 哈ha 姫ji 万wan 萬wan 二er 三san
四si 五wu 六liu 七qi 八ba 九jiu 十shi 百bai 千qian 贸mao 貿mao 科ke 技ji 网wang 網wang 络luo 絡luo 银yin 銀yin 星xing
延yan 丹dan 际ji 際ji 实shi 實shi 业ye 業ye 发fa 發fa 展zhan 工gong 息xi 电dian 電dian 集ji 团tuan 團tuan 控kong 股gu
份fen 限xian 责ze 責ze 公gong 港gang 香xiang 深shen 圳zhen 广guang 廣guang 州zhou 津jin 辽liao 遼liao 朝chao 鲜xian 鮮xian
壤rang 风feng 風feng 松song 设she 設she 浦pu 物wu 产chan 産chan 產chan 事shi 雾wu 霧wu 雨yu 丸wan 第di 船chuan 运yun
運yun 航hang 空kong 油you 化hua 学xue 矿kuang 礦kuang 钢gang 鋼gang 铁tie 械xie 机ji 機ji 器qi 设she 备bei 備bei 进jin
進jin 出chu 口kou 易yi 行hang 银yin 号hao 號hao 会hui 會hui 社she 所suo 局ju 院yuan 部bu 委wei 员yuan 員yuan 党dang 黨dang
军jun 队dui 隊dui 总zong 總zong 参can 谋mou 謀mou 统tong 統tong 战zhan 戰zhan 线xian 線xian 劳lao 勞lao 动dong 動dong
先xian 锋feng 鋒feng 光guang 明ming 白bai 头tou 頭tou 万wan 寿shou 壽shou 台tai 湾wan 灣wan 澳ao 门men 門men`

func init() {
	for _, f := range strings.Fields(hanTable) {
		rs := []rune(f)
		if len(rs) < 2 {
			continue
		}
		if _, dup := hanPinyin[rs[0]]; !dup {
			hanPinyin[rs[0]] = string(rs[1:])
		}
	}
}
